use std::env;
use std::fs;
use std::io::Write;

fn main() {
    let greeting = env::var("FIXTURE_GREETING").unwrap_or_else(|_| "unset".into());
    println!("env FIXTURE_GREETING={greeting}");
    let dir = env::temp_dir().join("cargo-static-fixture");
    let dir = if fs::create_dir_all(&dir).is_ok() { dir } else { env::current_dir().unwrap().join("fixture-data") };
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join("data.txt");
    let mut f = fs::File::create(&path).unwrap();
    writeln!(f, "line one\nline two").unwrap();
    drop(f);
    let text = fs::read_to_string(&path).unwrap();
    println!("lines read back: {}", text.lines().count());
    fs::remove_file(&path).unwrap();
    println!("file removed: {}", !path.exists());
    println!("cwd exists: {}", env::current_dir().map(|p| p.exists()).unwrap_or(false));
}
