use rusqlite::{params, Connection};

fn main() -> rusqlite::Result<()> {
    let db = Connection::open_in_memory()?;
    db.execute_batch("CREATE TABLE crate (name TEXT NOT NULL, downloads INTEGER NOT NULL);")?;
    for (name, downloads) in [("libc", 300), ("serde", 250), ("rusqlite", 20)] {
        db.execute("INSERT INTO crate (name, downloads) VALUES (?1, ?2)", params![name, downloads])?;
    }
    let mut query = db.prepare("SELECT name, downloads FROM crate WHERE downloads > ?1 ORDER BY downloads DESC")?;
    let rows: Vec<String> = query
        .query_map(params![100], |row| Ok(format!("{}={}", row.get::<_, String>(0)?, row.get::<_, i64>(1)?)))?
        .collect::<Result<_, _>>()?;
    println!("sqlite version: {}", rusqlite::version());
    println!("rows: {}", rows.join(","));
    let fts: i64 = db.query_row("SELECT sqlite_compileoption_used('ENABLE_FTS5')", [], |r| r.get(0))?;
    println!("fts5: {}", fts == 1);
    Ok(())
}
