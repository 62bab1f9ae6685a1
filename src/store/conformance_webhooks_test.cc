// Conformance tests for webhook journal/outbox and attempt lookups (issue 4). PLACEHOLDER.
