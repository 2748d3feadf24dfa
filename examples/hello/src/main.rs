//! The bundled example: a small program that shows it runs without any file system.
fn main() {
    let exe = std::env::args().next().unwrap_or_default();
    let threads: Vec<_> = (0..4).map(|i| std::thread::spawn(move || i * i)).collect();
    let sum: i32 = threads.into_iter().map(|t| t.join().unwrap()).sum();
    println!("Hello from a fully static Rust executable ({exe})");
    println!("4 threads computed {sum}; no libc.so, no loader, just the kernel.");
}
