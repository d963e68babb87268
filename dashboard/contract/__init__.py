"""The contract between the web side and the workers: stream names, consumer groups and the
encoding of entries (schema), writing to the streams with dead letters and the incident sequencer
(producer), and the fields a stream payload must carry to reach a table (fields). Both the API
and the workers in feeds/ import it; see docs/contracts.md."""
