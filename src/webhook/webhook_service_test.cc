// PLACEHOLDER (issue 4): tests being written.
