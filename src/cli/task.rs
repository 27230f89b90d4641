//! `kestrel task`: the tasks the command centre sent this console's team, and the crew's
//! answers (accept, decline with a reason, on scene). Every answer is audited before it is
//! recorded, and `kestrel sync` (or the console) sends it to dispatch.

use uuid::Uuid;

use super::Context;
use crate::audit::AuditLog;
use crate::tasking::{Answer, ConsoleTask, TaskInbox};

/// Arguments of `kestrel task`.
#[derive(Debug, clap::Args)]
pub struct TaskArgs {
    /// List or answer.
    #[command(subcommand)]
    pub action: TaskAction,
}

/// `kestrel task` actions.
#[derive(Debug, clap::Subcommand)]
pub enum TaskAction {
    /// The tasks dispatch sent, newest first.
    List,
    /// The team goes.
    Accept {
        /// The task's id (from `kestrel task list`).
        id: Uuid,
    },
    /// The team cannot go; dispatch sees the reason.
    Decline {
        /// The task's id.
        id: Uuid,
        /// Why (dispatch needs it to send another team).
        #[arg(long)]
        reason: String,
    },
    /// The team is there.
    OnScene {
        /// The task's id.
        id: Uuid,
    },
}

/// Runs `kestrel task`.
pub async fn run(args: TaskArgs, ctx: &Context) -> anyhow::Result<()> {
    let inbox = TaskInbox::open_in(&ctx.data_dir)?;
    let (id, answer) = match args.action {
        TaskAction::List => return list(&inbox, ctx),
        TaskAction::Accept { id } => (id, Answer::Accept),
        TaskAction::Decline { id, reason } => (id, Answer::Decline(reason)),
        TaskAction::OnScene { id } => (id, Answer::OnScene),
    };
    let held = inbox
        .get(id)?
        .ok_or_else(|| anyhow::anyhow!("no task {id}; see `kestrel task list`"))?;
    let wanted = answer.state();
    if !held.state.may_become(wanted) {
        anyhow::bail!("task {id} is {}: it cannot be {wanted} now", held.state);
    }
    // Audited first: no answer stands without its entry.
    let detail = match &answer {
        Answer::Decline(r) => format!("task {id} ({}): {r}", held.note),
        _ => format!("task {id} ({})", held.note),
    };
    let log = AuditLog::open(&ctx.audit_db())?;
    let action = format!("task.{wanted}");
    log.append(&ctx.operator, held.sysid, &action, &detail, "requested")?;
    match inbox.answer(id, answer, Some(ctx.operator.clone())).await {
        Ok(t) => {
            log.append(&ctx.operator, held.sysid, &action, &detail, "recorded")?;
            println!(
                "task {id} is {}; it goes to dispatch with the next sync",
                t.state
            );
            Ok(())
        }
        Err(e) => {
            let _ = log.append(&ctx.operator, held.sysid, &action, &detail, "failed");
            Err(e.into())
        }
    }
}

fn list(inbox: &TaskInbox, ctx: &Context) -> anyhow::Result<()> {
    let list: Vec<ConsoleTask> = inbox.list()?;
    if ctx.json {
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    println!(
        "{:<36}  {:>5} {:>11} {:>11} {:<9} {:<12} NOTE",
        "ID", "SYSID", "LAT", "LON", "STATE", "FROM"
    );
    for t in &list {
        let mut note: String = t.note.chars().take(50).collect();
        if let Some(r) = &t.reason {
            note = format!("{note} ({r})");
        }
        println!(
            "{:<36}  {:>5} {:>11.6} {:>11.6} {:<9} {:<12} {}",
            t.id,
            t.sysid.map(|s| s.to_string()).unwrap_or_else(|| "-".into()),
            t.lat,
            t.lon,
            t.state,
            t.created_by,
            note.replace('\n', " ")
        );
    }
    println!("{} tasks", list.len());
    Ok(())
}
