//! The methods both client flavours share, written once: construction, the retry hook, the
//! getters and `prepare` (none of which does I/O). Each flavour adds its own calls.

/// Implements the shared methods on `$client<T>` for transports bound by `$bound`.
macro_rules! shared_methods {
    ($client:ident, $bound:ident) => {
        impl<T> std::fmt::Debug for $client<T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.shell.fmt(f)
            }
        }

        impl<T: $bound + $crate::FromConfig> $client<T> {
            /// A client with the transport's default HTTP client for `config`, seeded from the
            /// OS.
            ///
            /// # Panics
            /// If the transport cannot be built (say, no TLS backend); see `try_new`.
            pub fn new(config: stripe_core::Config) -> Self {
                match Self::try_new(config) {
                    Ok(client) => client,
                    Err(e) => panic!("cannot build the HTTP client: {e}"),
                }
            }

            /// `new`, returning an error of kind
            /// [`ErrorKind::Local`](stripe_core::ErrorKind::Local) if the transport cannot be
            /// built.
            pub fn try_new(config: stripe_core::Config) -> Result<Self, stripe_core::Error> {
                let transport = T::from_config(&config)?;
                Ok(Self::with_transport(config, transport))
            }
        }

        impl<T: $bound> $client<T> {
            /// A client over `transport`, its session seeded once from the OS.
            pub fn with_transport(config: stripe_core::Config, transport: T) -> Self {
                Self::with_transport_and_seed(config, transport, crate::os_seed())
            }

            /// A client over `transport` whose every key and jitter comes from `seed`: the same
            /// seed and the same answers give the same requests, byte for byte.
            pub fn with_transport_and_seed(
                config: stripe_core::Config,
                transport: T,
                seed: stripe_core::Seed,
            ) -> Self {
                Self {
                    shell: $crate::shell::Shell::new(config, seed, transport.header_room()),
                    transport,
                }
            }

            /// The same client, calling `hook` before the sleep that precedes each retry (the
            /// attempt about to be made, `max_tries`, the reason, the wait). It only observes:
            /// the core alone decides. It runs on the call's thread or task: keep it short.
            /// Clones made after this share it.
            #[must_use]
            pub fn with_retry_hook(
                mut self,
                hook: impl Fn(&stripe_core::RetryNotice) + Send + Sync + 'static,
            ) -> Self {
                self.shell.set_on_retry(std::sync::Arc::new(hook));
                self
            }

            /// The configuration.
            pub fn config(&self) -> &stripe_core::Config {
                self.shell.config()
            }

            /// The transport.
            pub fn transport(&self) -> &T {
                &self.transport
            }

            /// Prepares the call without sending anything: read
            /// [`Prepared::idempotency_key`](crate::Prepared::idempotency_key), persist it, then
            /// run it. An upload is sent by `upload` with its source, not prepared.
            pub fn prepare(
                &self,
                request: stripe_core::Request,
            ) -> Result<$crate::Prepared<'_, Self>, stripe_core::Error> {
                if request.file().is_some() {
                    return Err(crate::files::without_source());
                }
                let (call, first) =
                    self.shell
                        .start(request, self.transport.now(), self.transport.wall())?;
                Ok($crate::Prepared::new(self, call, first))
            }
        }
    };
}

pub(crate) use shared_methods;
