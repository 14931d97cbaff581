//! The property of a schedule, judged at its end against the model's objects.

use stripe_journal::{IntentId, State};

use super::world::World;

/// What a schedule's end shows.
#[derive(Debug, Clone, Default)]
pub struct Verdict {
    /// Operations with more than one object on Stripe (a double charge), and how many extra.
    pub duplicates: usize,
    /// Of the duplicates, those made by one key executed twice (Stripe had forgotten it); the
    /// others were made under a new key.
    pub same_key_duplicates: usize,
    /// Operations whose recorded outcome is not Stripe's truth.
    pub false_outcomes: usize,
    /// Operations not finished after the calm end.
    pub unfinished: usize,
    /// Events the schedule took.
    pub steps: u64,
    /// Final records sent behind their answers that reached the store, at any later time and
    /// in any order with the other holders' steps.
    pub records_behind: u64,
    /// Final records sent behind their answers that never reached it (the process ended).
    pub records_lost: u64,
    /// What happened, when anything was wrong (empty otherwise).
    pub trace: Vec<String>,
}

impl Verdict {
    /// Whether the property held.
    pub fn holds(&self) -> bool {
        self.duplicates == 0 && self.false_outcomes == 0 && self.unfinished == 0
    }
}

pub(crate) fn judge(world: &World, ops: &[IntentId]) -> Verdict {
    let mut verdict = Verdict {
        steps: world.steps,
        records_behind: world.behind.0,
        records_lost: world.behind.1,
        ..Verdict::default()
    };
    let mut executed = std::collections::HashMap::<&str, usize>::new();
    for entry in world.model.log() {
        if let (true, "POST", Some(key)) = (
            entry.executed,
            entry.method.as_str(),
            &entry.idempotency_key,
        ) {
            *executed.entry(key.as_str()).or_default() += 1;
        }
    }
    verdict.same_key_duplicates = executed.values().map(|n| n.saturating_sub(1)).sum();
    let rows = world.store.rows();
    let mut notes = Vec::new();
    for id in ops {
        let objects: Vec<&serde_json::Value> = world
            .model
            .charges()
            .iter()
            .filter(|c| c["metadata"]["op"].as_str() == Some(id.op_id()))
            .collect();
        if objects.len() > 1 {
            verdict.duplicates += objects.len() - 1;
            notes.push(format!("{id}: {} objects", objects.len()));
        }
        let Some(row) = rows.iter().find(|r| r.id() == id) else {
            verdict.unfinished += 1;
            notes.push(format!("{id}: no intent"));
            continue;
        };
        let truth = objects.first().map(|o| {
            (
                o["id"].as_str().unwrap_or_default(),
                o["status"].as_str().unwrap_or_default(),
            )
        });
        let ok = match (row.state(), truth) {
            (State::Done(answer), Some((object, "succeeded"))) => {
                answer.object_id() == Some(object)
            }
            (State::Failed(_, Some(answer)), Some((_, "failed"))) => answer.status() == 402,
            (State::Failed(_, Some(answer)), None) => {
                answer.status() != 402 && answer.status() < 500
            }
            (State::Done(_) | State::Failed(..), _) => false,
            _ => {
                verdict.unfinished += 1;
                notes.push(format!("{id}: unfinished, {:?}", row.state().kind()));
                continue;
            }
        };
        if !ok {
            verdict.false_outcomes += 1;
            notes.push(format!(
                "{id}: recorded {:?}, Stripe has {truth:?}",
                row.state()
            ));
        }
    }
    if !verdict.holds() {
        verdict.trace = notes;
        verdict.trace.extend(world.trace.iter().cloned());
    }
    verdict
}
