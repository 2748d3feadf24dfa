//! Allocation-heavy workloads, one per command-line argument, each a fixed amount of
//! work (the time is measured from outside). Prints a checksum so nothing is optimised away.
//!   small-boxes        one thread: many small boxes of mixed sizes, a sliding window alive
//!   btree-strings      one thread: a BTreeMap of String -> Vec<u8>, filled, probed, thinned
//!   threads            more threads than cores, each building and dropping maps, strings, vecs
//!   cross-thread-free  producers allocate, consumers on other threads free
use std::collections::{BTreeMap, HashMap};
use std::sync::mpsc;
use std::thread;

/// xorshift64*: deterministic, dependency-free.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> usize {
        (self.next() % n) as usize
    }
}

fn small_boxes() -> u64 {
    let mut rng = Rng(1);
    let mut window: Vec<Box<[u8]>> = Vec::with_capacity(4096);
    let mut sum = 0u64;
    for i in 0..24_000_000usize {
        let size = 8 + rng.below(248);
        let b = vec![(i & 0xff) as u8; size].into_boxed_slice();
        if window.len() < 4096 {
            window.push(b);
        } else {
            let slot = rng.below(4096);
            sum += window[slot].len() as u64;
            window[slot] = b;
        }
    }
    sum
}

fn btree_strings() -> u64 {
    let mut rng = Rng(2);
    let mut map: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut sum = 0u64;
    for round in 0..3 {
        for i in 0..200_000u64 {
            let key = format!("key-{round}-{}", rng.next() % 1_000_000 + i);
            map.insert(key, vec![round as u8; 16 + rng.below(112)]);
        }
        for i in 0..200_000u64 {
            if let Some(v) = map.get(&format!("key-{round}-{i}")) {
                sum += v.len() as u64;
            }
        }
        let keys: Vec<String> = map.keys().step_by(2).cloned().collect();
        for k in keys {
            map.remove(&k);
        }
        sum += map.len() as u64;
    }
    sum
}

fn threads() -> u64 {
    let workers = thread::available_parallelism().map(|n| n.get()).unwrap_or(2) * 4;
    let per_thread = 16_000_000 / workers;
    let handles: Vec<_> = (0..workers)
        .map(|t| {
            thread::spawn(move || {
                let mut rng = Rng(10 + t as u64);
                let mut sum = 0u64;
                let mut done = 0;
                while done < per_thread {
                    let mut map: HashMap<String, Vec<u32>> = HashMap::new();
                    for i in 0..2_000 {
                        let key = format!("t{t}-{}", rng.below(5_000));
                        map.entry(key).or_default().extend(std::iter::repeat(i as u32).take(1 + rng.below(24)));
                    }
                    let text: String = map.keys().take(200).map(|k| k.as_str()).collect::<Vec<_>>().join(",");
                    sum += text.len() as u64 + map.len() as u64;
                    done += 2_000;
                }
                sum
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).sum()
}

fn cross_thread_free() -> u64 {
    let pairs = thread::available_parallelism().map(|n| n.get()).unwrap_or(2) * 2;
    let per_producer = 12_000_000 / pairs;
    let mut handles = Vec::new();
    for p in 0..pairs {
        let (tx, rx) = mpsc::sync_channel::<Vec<Box<[u8]>>>(64);
        handles.push(thread::spawn(move || {
            let mut rng = Rng(100 + p as u64);
            let mut batch = Vec::with_capacity(256);
            for i in 0..per_producer {
                batch.push(vec![i as u8; 16 + rng.below(1008)].into_boxed_slice());
                if batch.len() == 256 {
                    tx.send(std::mem::replace(&mut batch, Vec::with_capacity(256))).unwrap();
                }
            }
            tx.send(batch).unwrap();
            0u64
        }));
        // The consumer frees what another thread allocated.
        handles.push(thread::spawn(move || rx.iter().map(|batch| batch.iter().map(|b| b.len() as u64).sum::<u64>()).sum()));
    }
    handles.into_iter().map(|h| h.join().unwrap()).sum()
}

fn main() {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let sum = match mode.as_str() {
        "small-boxes" => small_boxes(),
        "btree-strings" => btree_strings(),
        "threads" => threads(),
        "cross-thread-free" => cross_thread_free(),
        _ => {
            eprintln!("usage: alloc-bench small-boxes|btree-strings|threads|cross-thread-free");
            std::process::exit(2);
        }
    };
    println!("{mode}: {sum}");
}
