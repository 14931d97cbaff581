//! A virtual-time simulation (feature `sim`): drives `stripe-core`'s `Call` against the
//! [`Model`](crate::Model) through a simulated network. No sockets, no real sleeping.
