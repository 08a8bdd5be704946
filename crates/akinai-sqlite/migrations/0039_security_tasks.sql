-- The periodic security work (issue #22, item 3): one record each time a task of the calendar
-- is done or looked at and left undone, with who and when. Nothing here is changed or deleted.
CREATE TABLE security_task_records (
    id       INTEGER PRIMARY KEY,
    task     TEXT    NOT NULL,
    done     BOOLEAN NOT NULL,
    note     TEXT    NOT NULL,
    done_by  TEXT    NOT NULL,
    at       INTEGER NOT NULL
);
CREATE INDEX security_task_records_by_task ON security_task_records (task, id);
