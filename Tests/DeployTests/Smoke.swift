import XCTest
@testable import Deploy
final class DeployTestsSmoke: XCTestCase { func testBuilds() {} }
