fn main() { println!("second project, same std"); }
