//! A name cache in front of ureq's resolver: a name looked up less than [`TTL`] ago is answered
//! from memory, so a bounded attempt spawns no lookup thread (ureq's resolver spawns one per
//! lookup when a timeout applies).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// How long a looked-up name is trusted.
pub(crate) const TTL: Duration = Duration::from_secs(30);

/// Names looked up, by authority (`host[:port]`): the scheme (which gives a default port), when,
/// and the addresses.
#[derive(Debug, Default)]
pub(crate) struct CachingResolver {
    inner: DefaultResolver,
    cache: Mutex<HashMap<String, (String, Instant, ResolvedSocketAddrs)>>,
}

impl Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let (authority, scheme) = (uri.authority().map_or("", |a| a.as_str()), uri.scheme_str());
        let cache = || self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, _, addrs)) = cache()
            .get(authority)
            .filter(|(s, at, _)| Some(s.as_str()) == scheme && at.elapsed() < TTL)
        {
            return Ok(addrs.clone());
        }
        let addrs = self.inner.resolve(uri, config, timeout)?;
        let entry = (
            scheme.unwrap_or("").to_owned(),
            Instant::now(),
            addrs.clone(),
        );
        cache().insert(authority.to_owned(), entry);
        Ok(addrs)
    }
}
