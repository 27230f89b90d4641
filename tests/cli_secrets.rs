//! Secrets never travel on the command line, where every user of the machine can read them
//! (`ps`, shell history): no `kestrel` option takes a password, secret, token or key, and a
//! broker URL with a user name or password in it is refused with a pointer to the credentials
//! file or the environment.

use std::process::Command;

use clap::CommandFactory;

/// Every option of every subcommand, as "subcommand path --long".
fn all_options(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
    for arg in cmd.get_arguments() {
        if let Some(long) = arg.get_long() {
            out.push(format!("{path} --{long}"));
        }
    }
    for sub in cmd.get_subcommands() {
        all_options(sub, &format!("{path} {}", sub.get_name()), out);
    }
}

#[test]
fn no_option_takes_a_secret() {
    let mut options = Vec::new();
    all_options(&kestrel::cli::Cli::command(), "kestrel", &mut options);
    // The walk itself works: the credentials-file option is found.
    assert!(
        options.iter().any(|o| o == "kestrel sync --credentials"),
        "{options:?}"
    );
    for o in &options {
        let long = o.rsplit("--").next().unwrap_or("");
        for word in ["password", "passwd", "secret", "token", "key"] {
            assert!(
                !long.contains(word) || long == "keys-dir",
                "`{o}` looks like it takes a secret on the command line; read it from a file or the environment"
            );
        }
    }
}

#[test]
fn credentials_in_the_broker_url_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kestrel"))
        .arg("--data-dir")
        .arg(dir.path())
        .args([
            "sync",
            "--broker",
            "mqtt://officer:hunter2@127.0.0.1:1883",
            "--until-empty",
        ])
        .output()
        .expect("run kestrel");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("credentials go in a file or the environment"),
        "{err}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_kestrel"))
        .args([
            "sync",
            "--broker",
            "mqtt://127.0.0.1:1883",
            "--password",
            "x",
        ])
        .output()
        .expect("run kestrel");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unexpected argument"));
}
