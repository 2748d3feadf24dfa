//! terminfo through ncurses, and libedit's history, tokenizer and line reader: the
//! C libraries an interactive program links, with no terminfo database around.
use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_int, c_void};
use std::ptr;

#[repr(C)]
struct HistEvent {
    num: c_int,
    str_: *const c_char,
}

const H_SETSIZE: c_int = 1;
const H_GETSIZE: c_int = 2;
const H_FIRST: c_int = 3;
const H_ENTER: c_int = 10;

extern "C" {
    // ncurses (terminfo level)
    fn setupterm(term: *const c_char, fd: c_int, err: *mut c_int) -> c_int;
    fn tigetnum(cap: *const c_char) -> c_int;
    fn tigetstr(cap: *const c_char) -> *const c_char;
    fn curses_version() -> *const c_char;
    // libedit
    fn history_init() -> *mut c_void;
    fn history(h: *mut c_void, ev: *mut HistEvent, op: c_int, ...) -> c_int;
    fn history_end(h: *mut c_void);
    fn tok_init(ifs: *const c_char) -> *mut c_void;
    fn tok_str(t: *mut c_void, line: *const c_char, argc: *mut c_int, argv: *mut *const *const c_char) -> c_int;
    fn tok_end(t: *mut c_void);
    fn el_init(prog: *const c_char, fin: *mut c_void, fout: *mut c_void, ferr: *mut c_void) -> *mut c_void;
    fn el_gets(el: *mut c_void, count: *mut c_int) -> *const c_char;
    fn el_end(el: *mut c_void);
    // musl
    fn fdopen(fd: c_int, mode: *const c_char) -> *mut c_void;
    fn pipe(fds: *mut c_int) -> c_int;
    fn write(fd: c_int, buf: *const c_void, n: usize) -> isize;
    fn close(fd: c_int) -> c_int;
}

fn c(s: &str) -> CString {
    CString::new(s).unwrap()
}

fn terminfo(term: &str) {
    let mut err: c_int = 7;
    let status = unsafe { setupterm(c(term).as_ptr(), 1, &mut err) };
    if status != 0 {
        // err 0: the terminal is unknown (no database entry and no compiled-in fallback).
        println!("terminfo {term}: not found (status {status}, err {err})");
        return;
    }
    let cols = unsafe { tigetnum(c("cols").as_ptr()) };
    let clear = unsafe { tigetstr(c("clear").as_ptr()) };
    let clear = if clear.is_null() || clear as isize == -1 { "none".to_string() } else {
        format!("{:?}", unsafe { CStr::from_ptr(clear) }.to_string_lossy())
    };
    println!("terminfo {term}: cols {cols}, clear {clear}");
}

fn main() {
    println!("ncurses: {}", unsafe { CStr::from_ptr(curses_version()) }.to_string_lossy());
    terminfo("xterm-256color");
    terminfo("no-such-terminal");

    unsafe {
        let h = history_init();
        let mut ev = HistEvent { num: 0, str_: ptr::null() };
        history(h, &mut ev, H_SETSIZE, 10 as c_int);
        for line in ["cargo build", "cargo static build", "ls -l"] {
            history(h, &mut ev, H_ENTER, c(line).as_ptr());
        }
        history(h, &mut ev, H_GETSIZE);
        let size = ev.num;
        history(h, &mut ev, H_FIRST);
        println!("history: {size} entries, newest {:?}", CStr::from_ptr(ev.str_).to_string_lossy());
        history_end(h);

        let t = tok_init(ptr::null());
        let mut argc: c_int = 0;
        let mut argv: *const *const c_char = ptr::null();
        tok_str(t, c("run --empty-root 'two words' \"and more\"").as_ptr(), &mut argc, &mut argv);
        let words: Vec<String> = (0..argc as isize).map(|i| CStr::from_ptr(*argv.offset(i)).to_string_lossy().into_owned()).collect();
        println!("tokens: {words:?}");
        tok_end(t);

        // A line read by libedit from a pipe (not a terminal: no editing, plain reading).
        let mut fds = [0 as c_int; 2];
        pipe(fds.as_mut_ptr());
        let typed = b"typed into libedit\n";
        write(fds[1], typed.as_ptr() as *const c_void, typed.len());
        close(fds[1]);
        let fin = fdopen(fds[0], c("r").as_ptr());
        let fout = fdopen(1, c("w").as_ptr());
        let el = el_init(c("terminal-edit").as_ptr(), fin, fout, fout);
        let mut count: c_int = 0;
        let line = el_gets(el, &mut count);
        let text = if line.is_null() { "(nothing)".into() } else { CStr::from_ptr(line).to_string_lossy().trim_end().to_string() };
        println!("el_gets: {text:?} ({count} chars)");
        el_end(el);
    }
}
