"""What the tests share: generators of learners' sheets and pages, robustness helpers."""
