"""E-mail through a transactional outbox: triggers add messages, a job sends what is due."""
