import XCTest
@testable import Models
final class ModelsTestsSmoke: XCTestCase { func testBuilds() {} }
