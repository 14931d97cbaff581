//! Text from a server is data, never terminal control: the forms that show its control
//! characters instead of obeying them.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` can act on a terminal rather than show as text: C0 controls, DEL, C1 controls
/// (`Cc`), the bidirectional controls (which reorder what is shown) and the line and paragraph
/// separators.
pub fn is_control(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{2028}' | '\u{2029}'
        )
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// One line of text with every control shown as Rust writes it in a string: `\n`, `\r`,
/// `\t`, `\x1b` (below U+0080), `\u{9b}`, `\u{202e}`. The result never breaks a line.
pub fn escape(text: &str) -> Cow<'_, str> {
    escape_with(text, is_control, |out, c| {
        let _ = match c {
            '\n' => write!(out, "\\n"),
            '\r' => write!(out, "\\r"),
            '\t' => write!(out, "\\t"),
            c if c.is_ascii() => write!(out, "\\x{:02x}", u32::from(c)),
            c => write!(out, "\\u{{{:x}}}", u32::from(c)),
        };
    })
}

/// Lines of text with controls other than newline and tab shown as JSON escapes (`\u001b`,
/// `\u202e`): serialized JSON stays the same JSON (those characters can only be inside its
/// strings), and other text stays readable.
pub fn escape_json(text: &str) -> Cow<'_, str> {
    escape_with(
        text,
        |c| is_control(c) && !matches!(c, '\n' | '\t'),
        |out, c| {
            // Every control is in the Basic Multilingual Plane: four hex digits.
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        },
    )
}

fn escape_with(
    text: &str,
    needs: impl Fn(char) -> bool,
    show: impl Fn(&mut String, char),
) -> Cow<'_, str> {
    if !text.chars().any(&needs) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if needs(c) {
            show(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_control_is_shown() {
        assert_eq!(
            escape("a\u{1b}[2J\n\r\t\u{0}\u{7f}\u{85}\u{9b}\u{202e}\u{2028}\u{2066}\u{61c}z é"),
            "a\\x1b[2J\\n\\r\\t\\x00\\x7f\\u{85}\\u{9b}\\u{202e}\\u{2028}\\u{2066}\\u{61c}z é"
        );
        assert!(matches!(escape("plain text é"), Cow::Borrowed(_)));
    }

    #[test]
    fn json_stays_json() {
        let v = serde_json::json!({"a": "x\u{1b}\u{7f}\u{9b}\u{202e}\u{2029}y", "b": [1, "\n"]});
        let text = serde_json::to_string_pretty(&v).expect("serializable");
        let shown = escape_json(&text);
        assert!(!shown.chars().any(|c| is_control(c) && c != '\n'));
        let back: serde_json::Value = serde_json::from_str(&shown).expect("still JSON");
        assert_eq!(back, v);
    }
}
