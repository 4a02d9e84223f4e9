import XCTest
@testable import Workbench
final class EndToEndTestsSmoke: XCTestCase { func testBuilds() {} }
