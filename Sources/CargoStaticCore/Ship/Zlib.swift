import CZlib
import Foundation

/// zlib streams (RFC 1950), the container cargo-auditable's `.dep-v0` format uses.
public enum Zlib {
    /// Level 9: the payload is small and compressed once per link; one level keeps output stable.
    public static func compress(_ data: Data, level: Int32 = 9) throws -> Data {
        var bound = compressBound(uLong(data.count))
        var output = [UInt8](repeating: 0, count: Int(bound))
        let status = data.withUnsafeBytes { (src: UnsafeRawBufferPointer) -> Int32 in
            let base = src.bindMemory(to: Bytef.self).baseAddress
            return compress2(&output, &bound, base, uLong(data.count), level)
        }
        guard status == Z_OK else {
            throw ZlibError("zlib could not compress \(data.count) bytes (zlib status \(status))")
        }
        return Data(output.prefix(Int(bound)))
    }

    /// Inflates one zlib stream (or, with `gzip`, one gzip member such as a Debian
    /// changelog.gz), refusing to produce more than `limit` bytes (a hostile section must
    /// not exhaust memory) and rejecting truncated or trailing data.
    public static func decompress(_ data: Data, gzip: Bool = false, limit: Int = 8 << 20) throws -> Data {
        var stream = z_stream()
        // Window bits 15 (the maximum); +16 selects the gzip wrapper instead of zlib's.
        guard inflateInit2_(&stream, gzip ? 31 : 15, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ZlibError("zlib could not start inflating")
        }
        defer { inflateEnd(&stream) }
        var input = [UInt8](data)
        var output = Data()
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        var status: Int32 = Z_OK
        input.withUnsafeMutableBufferPointer { inBuf in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = uInt(inBuf.count)
            while status == Z_OK {
                chunk.withUnsafeMutableBufferPointer { outBuf in
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = uInt(outBuf.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    output.append(outBuf.baseAddress!, count: outBuf.count - Int(stream.avail_out))
                }
                if output.count > limit { status = Z_MEM_ERROR; break }
                // No progress possible: the input ended before the stream did.
                if status == Z_BUF_ERROR || (status == Z_OK && stream.avail_in == 0 && stream.avail_out != 0) { break }
            }
        }
        if output.count > limit { throw ZlibError("the compressed data inflates to more than \(limit) bytes") }
        guard status == Z_STREAM_END else {
            let reason = status == Z_DATA_ERROR ? "corrupt data" : status == Z_OK || status == Z_BUF_ERROR ? "truncated stream" : "zlib status \(status)"
            throw ZlibError("not a valid zlib stream (\(reason))")
        }
        guard stream.avail_in == 0 else { throw ZlibError("\(stream.avail_in) bytes after the end of the zlib stream") }
        return output
    }
}

public struct ZlibError: Error, CustomStringConvertible, LocalizedError {
    public let description: String
    init(_ description: String) { self.description = description }
    public var errorDescription: String? { description }
}

/// A gzip stream written in pieces (`cache export FILE.tar.gz`): a std entry is a hundred
/// megabytes, so nothing is held whole.
public final class GzipWriter {
    private var stream = z_stream()
    private let sink: (Data) throws -> Void
    private var buffer = [UInt8](repeating: 0, count: 256 << 10)

    public init(level: Int32 = 6, sink: @escaping (Data) throws -> Void) throws {
        self.sink = sink
        // Window bits 15, +16: a gzip header and trailer instead of zlib's.
        guard deflateInit2_(&stream, level, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ZlibError("zlib could not start compressing")
        }
    }

    deinit { deflateEnd(&stream) }

    public func write(_ data: Data) throws { try run(data, flush: Z_NO_FLUSH) }

    /// Ends the stream (the trailer with the CRC and length).
    public func finish() throws { try run(Data(), flush: Z_FINISH) }

    private func run(_ data: Data, flush: Int32) throws {
        var input = [UInt8](data)
        try input.withUnsafeMutableBufferPointer { inBuf in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = uInt(inBuf.count)
            var status: Int32 = Z_OK
            repeat {
                let produced = buffer.withUnsafeMutableBufferPointer { outBuf -> Int in
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = uInt(outBuf.count)
                    status = deflate(&stream, flush)
                    return outBuf.count - Int(stream.avail_out)
                }
                guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                    throw ZlibError("zlib could not compress (status \(status))")
                }
                if produced > 0 { try sink(Data(buffer[0..<produced])) }
                if flush == Z_FINISH ? status == Z_STREAM_END : (stream.avail_in == 0 && stream.avail_out != 0) { break }
            } while true
        }
    }
}

/// Reads a gzip stream in pieces; `read(n)` gives up to n decompressed bytes, none at its
/// end. A stream cut short or damaged is an error, never a quiet end.
public final class GzipReader {
    private var stream = z_stream()
    private let source: (Int) throws -> Data
    private var input = [UInt8]()
    private var inputOffset = 0
    private var ended = false

    public init(source: @escaping (Int) throws -> Data) throws {
        self.source = source
        guard inflateInit2_(&stream, 31, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ZlibError("zlib could not start inflating")
        }
    }

    deinit { inflateEnd(&stream) }

    public func read(_ count: Int) throws -> Data {
        var output = [UInt8](repeating: 0, count: max(count, 1))
        var produced = 0
        while produced == 0, !ended {
            if inputOffset >= input.count {
                input = [UInt8](try source(256 << 10))
                inputOffset = 0
                guard !input.isEmpty else { throw ZlibError("the gzip stream ends early (the file is incomplete)") }
            }
            let status = input.withUnsafeMutableBufferPointer { inBuf in
                output.withUnsafeMutableBufferPointer { outBuf -> Int32 in
                    stream.next_in = inBuf.baseAddress! + inputOffset
                    stream.avail_in = uInt(inBuf.count - inputOffset)
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = uInt(outBuf.count)
                    let status = inflate(&stream, Z_NO_FLUSH)
                    inputOffset = inBuf.count - Int(stream.avail_in)
                    produced = outBuf.count - Int(stream.avail_out)
                    return status
                }
            }
            switch status {
            case Z_STREAM_END: ended = true
            case Z_OK, Z_BUF_ERROR: break
            default: throw ZlibError("the gzip stream is damaged (zlib status \(status))")
            }
        }
        return Data(output[0..<produced])
    }
}
