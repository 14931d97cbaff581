//! A transport's `header_room` reaches the session: every attempt's header map it is handed
//! has room for that many more headers, so adding its own (say `Host`) does not regrow it.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;
use stripe_client::{Attempt, Client, SendError, Transport};
use stripe_core::{Config, Seed};

/// Answers 200 `{}` and notes (headers, capacity) of each attempt's map.
#[derive(Clone)]
struct Noting {
    room: usize,
    seen: Arc<Mutex<Vec<(usize, usize)>>>,
}

impl Transport for Noting {
    type Error = std::io::Error;

    fn send(&self, attempt: Attempt) -> Result<http::Response<Bytes>, SendError<Self::Error>> {
        let headers = attempt.request().headers();
        let seen = (headers.len(), headers.capacity());
        self.seen.lock().expect("not poisoned").push(seen);
        Ok(http::Response::new(Bytes::from_static(b"{}")))
    }

    fn sleep_until(&self, _until: Instant) {}

    fn header_room(&self) -> usize {
        self.room
    }
}

#[test]
fn each_attempt_has_the_room_its_transport_asks_for() {
    for room in [0, 2, 7] {
        let transport = Noting {
            room,
            seen: Arc::default(),
        };
        let config = Config::builder("sk_test_123").build().expect("config");
        let client = Client::with_transport_and_seed(config, transport.clone(), Seed::from_u64(1));
        client.get("/v1/charges").expect("get");
        client.get("/v1/charges").expect("get");
        client
            .post("/v1/charges", &[("amount", "1")])
            .expect("post");
        let seen = transport.seen.lock().expect("not poisoned").clone();
        assert_eq!(seen.len(), 3);
        for (len, capacity) in seen {
            assert!(
                capacity >= len + room,
                "room {room}: {len} headers, capacity {capacity}"
            );
        }
    }
}
