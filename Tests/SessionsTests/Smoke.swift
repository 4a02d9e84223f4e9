import XCTest
@testable import Sessions
final class SessionsTestsSmoke: XCTestCase { func testBuilds() {} }
