use std::cell::Cell;
use std::sync::{mpsc, Arc, Mutex};
use std::thread;

thread_local! {
    static COUNTER: Cell<u64> = const { Cell::new(0) };
}

fn main() {
    let total = Arc::new(Mutex::new(0u64));
    let (tx, rx) = mpsc::channel();
    let handles: Vec<_> = (0..8u64)
        .map(|i| {
            let total = Arc::clone(&total);
            let tx = tx.clone();
            thread::Builder::new().name(format!("worker-{i}")).spawn(move || {
                for _ in 0..1000 { COUNTER.with(|c| c.set(c.get() + 1)); }
                let mine = COUNTER.with(|c| c.get());
                *total.lock().unwrap() += mine;
                tx.send((thread::current().name().unwrap().to_string(), mine)).unwrap();
            }).unwrap()
        })
        .collect();
    drop(tx);
    for h in handles { h.join().unwrap(); }
    let mut names: Vec<_> = rx.iter().map(|(n, c)| { assert_eq!(c, 1000); n }).collect();
    names.sort();
    println!("threads: {}", names.len());
    println!("total: {}", *total.lock().unwrap());
    println!("main thread-local untouched: {}", COUNTER.with(|c| c.get()));
}
