-- The tasks every replica shares. IDs are the API's decimal strings, in creation order.
CREATE TABLE tasks (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  title       text        NOT NULL,
  description text        NOT NULL DEFAULT '',
  status      text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processing', 'done', 'failed')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Claim takes the oldest pending (or abandoned processing) task; the queue depth counts pending ones.
CREATE INDEX tasks_status_id ON tasks (status, id);
