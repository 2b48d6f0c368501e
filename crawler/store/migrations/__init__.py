"""Named schema migrations, applied in file-name order and recorded in schema_migrations."""
