import XCTest
@testable import Localisation
final class LocalisationTestsSmoke: XCTestCase { func testBuilds() {} }
