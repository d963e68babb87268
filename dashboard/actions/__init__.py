"""Every state change a person or a worker makes on an alert, and the instructions (批示) and
their receipts: one function per action, shared by the API and the Dash screens, each writing its
audit entry and its stream event (through the transactional outbox) in the same transaction."""
