//! Tasks from the command centre at the console: the service publishes the team's tasks (as
//! the sync worker stores them in `tasks.db`) and records the crew's answers, each audited
//! before it is recorded (no answer stands without its entry); the sync worker sends them back.

use std::sync::Arc;

use uuid::Uuid;

use crate::fleet::FleetSnapshot;
use crate::tasking::{Answer, ConsoleTask, TaskInbox};

use super::{ConsoleConfig, ConsoleError, Core, Service};

/// What the window asks of the task service.
#[derive(Debug, Clone, PartialEq)]
pub enum TaskIntent {
    /// The crew's answer to a task.
    Answer {
        /// The task.
        id: Uuid,
        /// Accept, decline (with a reason) or on scene.
        answer: Answer,
    },
}

/// What the task service tells the window.
#[derive(Debug, Clone, PartialEq)]
pub enum TaskEvent {
    /// The answer is recorded (and goes to dispatch with the next sync).
    Answered {
        /// The task.
        id: Uuid,
        /// Its state now.
        task: Box<ConsoleTask>,
    },
    /// The answer was refused or could not be recorded; the sentence says why.
    Refused {
        /// The task.
        id: Uuid,
        /// Why.
        reason: String,
    },
}

/// The team's tasks as the window shows them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskView {
    /// Every task, newest first.
    pub tasks: Arc<Vec<ConsoleTask>>,
    /// Why tasks cannot be shown (no data directory, a failing disk).
    pub error: Option<String>,
}

impl TaskView {
    /// Tasks still open (not closed by dispatch).
    pub fn open(&self) -> impl Iterator<Item = &ConsoleTask> {
        self.tasks.iter().filter(|t| t.state.is_open())
    }
}

/// The console's tasks.
pub struct TaskService {
    core: Core,
    inbox: Option<TaskInbox>,
    seen_version: Option<i64>,
    view: TaskView,
}

impl TaskService {
    fn refresh(&mut self) {
        let Some(inbox) = &self.inbox else {
            return;
        };
        let version = inbox.data_version().ok();
        if version.is_some() && version == self.seen_version {
            return;
        }
        match inbox.list() {
            Ok(list) => {
                self.seen_version = version;
                self.view = TaskView {
                    tasks: Arc::new(list),
                    error: None,
                };
            }
            Err(e) => self.view.error = Some(e.to_string()),
        }
    }
}

impl Service for TaskService {
    type Intent = TaskIntent;
    type Event = TaskEvent;
    type View = TaskView;

    async fn start(core: &Core, _config: &ConsoleConfig) -> Result<Self, ConsoleError> {
        let (inbox, error) = match core.data_dir.as_deref().map(TaskInbox::open_in) {
            Some(Ok(inbox)) => (Some(inbox), None),
            Some(Err(e)) => (None, Some(e.to_string())),
            None => (None, None),
        };
        Ok(Self {
            core: core.clone(),
            inbox,
            seen_version: None,
            view: TaskView {
                error,
                ..Default::default()
            },
        })
    }

    async fn handle(&mut self, intent: TaskIntent) {
        let TaskIntent::Answer { id, answer } = intent;
        let refused = move |reason: String| TaskEvent::Refused { id, reason };
        let Some(inbox) = self.inbox.clone() else {
            self.core
                .events
                .emit(refused("tasks need a data directory".into()));
            return;
        };
        let held = match inbox.get(id) {
            Ok(Some(t)) => t,
            Ok(None) => {
                self.core.events.emit(refused(format!("no task {id}")));
                return;
            }
            Err(e) => {
                self.core.events.emit(refused(e.to_string()));
                return;
            }
        };
        let wanted = answer.state();
        if !held.state.may_become(wanted) {
            self.core.events.emit(refused(format!(
                "the task is {}: it cannot be {wanted} now",
                held.state
            )));
            return;
        }
        let detail = match &answer {
            crate::tasking::Answer::Decline(r) => format!("task {id} ({}): {r}", held.note),
            _ => format!("task {id} ({})", held.note),
        };
        let action = format!("task.{wanted}");
        let station = self.core.station.clone();
        let events = self.core.events.clone();
        let by = self.core.station.operator();
        self.core.runtime.spawn(async move {
            // Audited first: an answer that cannot be audited is not recorded.
            if let Err(e) = station
                .audit_now(held.sysid, &action, detail.clone(), "requested".into())
                .await
            {
                events.emit(refused(format!(
                    "not recorded: the audit trail failed ({e})"
                )));
                return;
            }
            match inbox.answer(id, answer, Some(by)).await {
                Ok(task) => {
                    station.audit(held.sysid, &action, detail, "recorded".into());
                    events.emit(TaskEvent::Answered {
                        id,
                        task: Box::new(task),
                    });
                }
                Err(e) => {
                    station.audit(held.sysid, &action, detail, format!("failed: {e}"));
                    events.emit(refused(e.to_string()));
                }
            }
        });
    }

    fn publish(&mut self, _fleet: &FleetSnapshot) -> TaskView {
        self.refresh();
        // A new task sounds until the crew answers it.
        let waiting = self
            .view
            .tasks
            .iter()
            .any(|t| t.state == crate::tasking::model::TaskState::Received);
        self.core
            .sound
            .hold("tasks", waiting.then_some(crate::sound::Cue::Task));
        self.view.clone()
    }
}
