use std::backtrace::{Backtrace, BacktraceStatus};
use std::panic;

#[inline(never)]
fn deep_failure(depth: u32) -> u32 {
    if depth == 0 {
        panic!("intentional panic at the bottom");
    }
    deep_failure(depth - 1) + 1
}

#[inline(never)]
fn capture_here() -> Backtrace {
    Backtrace::force_capture()
}

fn main() {
    panic::set_hook(Box::new(|info| eprintln!("hook saw: {info}")));
    let caught = panic::catch_unwind(|| deep_failure(3));
    match caught {
        Err(payload) => {
            let msg = payload.downcast_ref::<&str>().copied().unwrap_or("?");
            println!("caught panic: {msg}");
        }
        Ok(_) => println!("no panic?"),
    }
    // Drop order during unwinding: the guard must run.
    struct Guard;
    impl Drop for Guard {
        fn drop(&mut self) { println!("guard dropped during unwind"); }
    }
    let r = panic::catch_unwind(|| { let _g = Guard; panic!("second"); });
    println!("second caught: {}", r.is_err());
    let bt = capture_here();
    let text = bt.to_string();
    if std::env::var_os("SHOW_BACKTRACE").is_some() { eprintln!("{text}"); }
    let frames = text.lines().filter(|l| l.trim_start().chars().next().map_or(false, |c| c.is_ascii_digit())).count();
    println!("backtrace status: {}", if bt.status() == BacktraceStatus::Captured { "captured" } else { "other" });
    println!("backtrace frames: {}", frames);
    println!("backtrace names main: {}", text.contains("panic_unwind::main"));
    println!("backtrace has source lines: {}", text.contains("src/main.rs:"));
}
