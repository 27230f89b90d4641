//! Tasks at the console: what the command centre asked this team to do, and the crew's answers
//! (accept, decline with a reason, on scene), kept in the console's own database and carried
//! to and from dispatch by the sync worker (README.md, "Tasking").
//!
//! - [`model`]: what a task is and its states, shared with dispatch (which carries them in
//!   its messages, `crate::dispatch::tasks`).
//! - [`inbox`]: the console's tasks and the steps still to send.

pub mod inbox;
pub mod model;

pub use inbox::{Answer, ConsoleTask, InboxError, TaskInbox};
