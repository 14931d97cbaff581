//! What `--help` prints: the whole usage, or one command's part of it (its usage lines and
//! its options), so every command and subcommand answers `-h` and `--help`.

use crate::args::USAGE;

/// Whose help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    /// `stripe-cli --help`: everything.
    All,
    /// `get`, `post`, `delete`.
    Request,
    /// `upload` (and `get --output`).
    Upload,
    /// `fake`: the options of `stripe-fake`'s server.
    Fake,
    /// `webhook sign|verify`.
    Webhook,
    /// `journal ...` and `post --op`.
    Journal,
}

impl Topic {
    /// The topic of a command's first word, if it names one.
    pub fn of(command: &str) -> Option<Self> {
        Some(match command {
            "get" | "post" | "delete" => Self::Request,
            "upload" => Self::Upload,
            "fake" => Self::Fake,
            "webhook" => Self::Webhook,
            "journal" => Self::Journal,
            _ => return None,
        })
    }
}

/// The help text of `topic`.
pub fn text(topic: Topic) -> String {
    let (lines, sections): (fn(&str) -> bool, &[&str]) = match topic {
        Topic::All => return USAGE.trim_end().to_owned(),
        Topic::Fake => return stripe_fake::cli::help("stripe-cli fake"),
        Topic::Request => (
            |l| l.contains("] get"),
            &["Sends one", "request options", "file options", "exit codes"],
        ),
        Topic::Upload => (
            |l| l.contains("] upload"),
            &["file options", "request options", "exit codes"],
        ),
        Topic::Webhook => (
            |l| l.contains("stripe-cli webhook"),
            &["webhook options", "exit codes"],
        ),
        Topic::Journal => (
            |l| l.contains("stripe-cli journal") || l.contains("--op"),
            &["journal options", "journal exit codes"],
        ),
    };
    let mut paragraphs = USAGE.split("\n\n");
    let synopsis = paragraphs.next().unwrap_or_default();
    let mut out = String::new();
    for line in synopsis.lines().filter(|l| lines(l)) {
        let line = line.trim_start().trim_start_matches("usage:").trim_start();
        out.push_str(if out.is_empty() { "usage: " } else { "       " });
        out.push_str(line);
        out.push('\n');
    }
    for paragraph in paragraphs.filter(|p| sections.iter().any(|s| p.starts_with(s))) {
        out.push('\n');
        out.push_str(paragraph.trim_end());
        out.push('\n');
    }
    out.trim_end().to_owned()
}
