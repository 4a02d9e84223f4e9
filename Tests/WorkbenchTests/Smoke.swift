import XCTest
@testable import Workbench
final class WorkbenchTestsSmoke: XCTestCase { func testBuilds() {} }
