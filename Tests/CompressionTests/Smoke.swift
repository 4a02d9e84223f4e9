import XCTest
@testable import Compression
final class CompressionTestsSmoke: XCTestCase { func testBuilds() {} }
