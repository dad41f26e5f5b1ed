"""The data model: layer kinds and schemas, field aliases, readers, validation, the project folder, the demo."""
