//! expat: a streaming parse counting elements and depth. libxml2: a tree parse read back,
//! and a malformed document rejected. lz4: a compression round trip.
// expat-sys has no Rust items: naming it links the crate, and with it the -lexpat its build script found.
extern crate expat_sys;

use libc::{c_char, c_int, c_uchar, c_ulong, c_void};
use std::ffi::{CStr, CString};

#[allow(non_camel_case_types)]
type XML_Parser = *mut c_void;
type StartHandler = extern "C" fn(*mut c_void, *const c_char, *mut *const c_char);
type EndHandler = extern "C" fn(*mut c_void, *const c_char);

extern "C" {
    fn XML_ExpatVersion() -> *const c_char;
    fn XML_ParserCreate(encoding: *const c_char) -> XML_Parser;
    fn XML_SetUserData(parser: XML_Parser, data: *mut c_void);
    fn XML_SetElementHandler(parser: XML_Parser, start: StartHandler, end: EndHandler);
    fn XML_Parse(parser: XML_Parser, s: *const c_char, len: c_int, is_final: c_int) -> c_int;
    fn XML_ParserFree(parser: XML_Parser);

    fn xmlCheckVersion(version: c_int);
    fn xmlReadMemory(buffer: *const c_char, size: c_int, url: *const c_char, encoding: *const c_char, options: c_int) -> *mut c_void;
    fn xmlDocGetRootElement(doc: *mut c_void) -> *mut c_void;
    fn xmlChildElementCount(node: *mut c_void) -> c_ulong;
    fn xmlFirstElementChild(node: *mut c_void) -> *mut c_void;
    fn xmlNextElementSibling(node: *mut c_void) -> *mut c_void;
    fn xmlGetProp(node: *mut c_void, name: *const c_uchar) -> *mut c_uchar;
    fn xmlNodeGetContent(node: *mut c_void) -> *mut c_uchar;
    fn xmlFreeDoc(doc: *mut c_void);

    fn LZ4_versionString() -> *const c_char;
    fn LZ4_compressBound(size: c_int) -> c_int;
    fn LZ4_compress_default(src: *const c_char, dst: *mut c_char, size: c_int, capacity: c_int) -> c_int;
    fn LZ4_decompress_safe(src: *const c_char, dst: *mut c_char, size: c_int, capacity: c_int) -> c_int;
}

#[derive(Default)]
struct Counts {
    elements: u32,
    depth: u32,
    deepest: u32,
}

extern "C" fn start(data: *mut c_void, _name: *const c_char, _attrs: *mut *const c_char) {
    let c = unsafe { &mut *(data as *mut Counts) };
    c.elements += 1;
    c.depth += 1;
    c.deepest = c.deepest.max(c.depth);
}

extern "C" fn end(data: *mut c_void, _name: *const c_char) {
    unsafe { (*(data as *mut Counts)).depth -= 1 };
}

const DOC: &str = r#"<?xml version="1.0"?><catalog><item id="a">one</item><item id="b">two<note>x</note></item><item id="c">three</item></catalog>"#;

fn expat() {
    unsafe {
        println!("{}", CStr::from_ptr(XML_ExpatVersion()).to_str().unwrap());
        let parser = XML_ParserCreate(std::ptr::null());
        let mut counts = Counts::default();
        XML_SetUserData(parser, &mut counts as *mut Counts as *mut c_void);
        XML_SetElementHandler(parser, start, end);
        let status = XML_Parse(parser, DOC.as_ptr() as *const c_char, DOC.len() as c_int, 1);
        XML_ParserFree(parser);
        println!("expat: status {status}, {} elements, depth {}", counts.elements, counts.deepest);
    }
}

fn cstr(p: *mut c_uchar) -> String {
    unsafe { CStr::from_ptr(p as *const c_char).to_string_lossy().into_owned() }
}

fn libxml2() {
    unsafe {
        xmlCheckVersion(20900);
        let options = 32 | 64; // XML_PARSE_NOERROR | XML_PARSE_NOWARNING
        let doc = xmlReadMemory(DOC.as_ptr() as *const c_char, DOC.len() as c_int, std::ptr::null(), std::ptr::null(), options);
        assert!(!doc.is_null());
        let root = xmlDocGetRootElement(doc);
        let mut items = Vec::new();
        let mut node = xmlFirstElementChild(root);
        let id = CString::new("id").unwrap();
        while !node.is_null() {
            items.push(format!("{}={}", cstr(xmlGetProp(node, id.as_ptr() as *const c_uchar)), cstr(xmlNodeGetContent(node))));
            node = xmlNextElementSibling(node);
        }
        println!("libxml2: {} children: {}", xmlChildElementCount(root), items.join(","));
        xmlFreeDoc(doc);
        let bad = "<a><b></a>";
        let rejected = xmlReadMemory(bad.as_ptr() as *const c_char, bad.len() as c_int, std::ptr::null(), std::ptr::null(), options).is_null();
        println!("libxml2: malformed rejected: {rejected}");
    }
}

fn lz4() {
    let input: Vec<u8> = (0..20_000).map(|i| b"static musl "[i % 12]).collect();
    unsafe {
        println!("lz4 {}", CStr::from_ptr(LZ4_versionString()).to_str().unwrap());
        let mut packed = vec![0u8; LZ4_compressBound(input.len() as c_int) as usize];
        let n = LZ4_compress_default(input.as_ptr() as *const c_char, packed.as_mut_ptr() as *mut c_char, input.len() as c_int, packed.len() as c_int);
        let mut back = vec![0u8; input.len()];
        let m = LZ4_decompress_safe(packed.as_ptr() as *const c_char, back.as_mut_ptr() as *mut c_char, n, back.len() as c_int);
        println!("lz4: {} bytes -> {} -> {}, round trip ok: {}", input.len(), n, m, back == input && n > 0 && (n as usize) < input.len() / 10);
    }
}

fn main() {
    expat();
    libxml2();
    lz4();
}
