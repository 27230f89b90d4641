//! Small shared helpers that have no better home.

/// Opens (creating if needed) the SQLite file at `path` and applies `schema`, so that every store
/// waits on a busy file the same way and names the file and what it should hold (`what`, e.g.
/// "crew database") when it cannot be opened or is something else.
pub fn open_sqlite(
    path: &std::path::Path,
    schema: &str,
    what: &str,
) -> Result<rusqlite::Connection, String> {
    let conn = rusqlite::Connection::open(path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    conn.execute_batch(schema)
        .map_err(|e| format!("{} is not a Kestrel {what}: {e}", path.display()))?;
    Ok(conn)
}
