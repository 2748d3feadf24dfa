use regex::Regex;

fn main() {
    let words = Regex::new(r"[a-z]+").expect("pattern");
    let line = std::env::args().nth(1).unwrap_or_else(|| "static builds scale out".to_string());
    let found: Vec<&str> = words.find_iter(&line).map(|m| m.as_str()).collect();
    println!("{}", serde_json::json!({ "words": found, "count": found.len() }));
}
