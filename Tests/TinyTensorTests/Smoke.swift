import XCTest
@testable import TinyTensor
final class TinyTensorTestsSmoke: XCTestCase { func testBuilds() {} }
