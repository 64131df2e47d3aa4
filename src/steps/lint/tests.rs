//! Lint rule tests: each rule with a failing and a passing fixture.
