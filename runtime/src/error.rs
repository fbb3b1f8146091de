//! [`Error`]: everything the runtime can fail with.

/// An error from the runtime. Messages are lowercase and say whose bug it is when it is ours.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A message that moves something was posted to a group with several other members.
    #[error("transferables cannot be used with multiple destinations")]
    MultipleDestinations,
}
