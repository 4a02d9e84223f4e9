import XCTest
@testable import TinyNN
final class TinyNNTestsSmoke: XCTestCase { func testBuilds() {} }
