// Placeholder: filled by P2.
