"""Jobs: long work run by a worker of the queue, and the page that follows it."""
