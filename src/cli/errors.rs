//! How an error reaches the user: once, on stderr, as one line. Many errors already quote their
//! cause in their own text (`cannot read x: No such file`), so printing anyhow's whole chain
//! would say the cause twice; causes already in the text are left out.

/// The text printed for `e`: its message, then each cause not already quoted by what precedes it.
pub fn error_text(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let part = cause.to_string();
        if part.is_empty() || text.contains(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot read x.plan: {0}")]
    struct Quoting(#[source] std::io::Error);

    #[test]
    fn a_cause_quoted_in_the_message_is_said_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let e = anyhow::Error::from(Quoting(io));
        assert_eq!(error_text(&e), "cannot read x.plan: no such file");
    }

    #[test]
    fn context_keeps_a_cause_it_does_not_quote() {
        let e = anyhow::anyhow!("port in use").context("cannot open the link");
        assert_eq!(error_text(&e), "cannot open the link: port in use");
    }
}
