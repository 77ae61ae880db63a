// Package pgstore keeps the tasks in PostgreSQL, so that every replica of the service shares them: the store the
// service runs on (task.Memory is the unit tests' double).
package pgstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/acme/hybrid-gitops-platform/apps/task-tracker/internal/task"
)

// Options bound the pool and every statement.
type Options struct {
	MaxConns       int32
	ConnectTimeout time.Duration
	// QueryTimeout bounds each call of the store, and the server's statement_timeout.
	QueryTimeout time.Duration
	MaxTasks     int
	// Lease is how long a task may stay processing before another worker takes it over: a process that died while
	// working on it leaves it claimed.
	Lease time.Duration
}

type Store struct {
	pool *pgxpool.Pool
	opts Options
}

// creationLock serialises Create, so that MaxTasks holds across every process.
const creationLock = 7_310_416

// Open builds the pool; it does not connect, so the process starts (and stays not ready) while the database is down.
func Open(url string, opts Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, errors.New("DATABASE_URL: not a PostgreSQL connection string") // the error may quote the password
	}
	cfg.MaxConns = opts.MaxConns
	cfg.ConnConfig.ConnectTimeout = opts.ConnectTimeout
	cfg.ConnConfig.RuntimeParams["statement_timeout"] = strconv.FormatInt(opts.QueryTimeout.Milliseconds(), 10)
	cfg.ConnConfig.RuntimeParams["application_name"] = "task-tracker"
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	return &Store{pool: pool, opts: opts}, nil
}

func (s *Store) Close() { s.pool.Close() }

// Pool is for Migrate.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Role reports whether the database answers and whether it takes writes (false on a replica that is recovering).
func (s *Store) Role(ctx context.Context) (primary bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.QueryTimeout)
	defer cancel()
	var recovering bool
	if err := s.pool.QueryRow(ctx, "SELECT pg_is_in_recovery()").Scan(&recovering); err != nil {
		return false, err
	}
	return !recovering, nil
}

const columns = "id, title, description, status, created_at, updated_at"

func scan(row pgx.Row) (task.Task, error) {
	var t task.Task
	var id int64
	var status string
	if err := row.Scan(&id, &t.Title, &t.Description, &status, &t.CreatedAt, &t.UpdatedAt); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return task.Task{}, task.ErrNotFound
		}
		return task.Task{}, err
	}
	t.ID, t.Status = strconv.FormatInt(id, 10), task.Status(status)
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	return t, nil
}

// parseID maps an ID that no task can have to ErrNotFound, as the API did before the database.
func parseID(id string) (int64, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n < 1 || strconv.FormatInt(n, 10) != id {
		return 0, task.ErrNotFound
	}
	return n, nil
}

func (s *Store) bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.opts.QueryTimeout)
}

func (s *Store) Create(ctx context.Context, d task.Draft) (task.Task, error) {
	ctx, cancel := s.bounded(ctx)
	defer cancel()
	var created task.Task
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", creationLock); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM tasks").Scan(&n); err != nil {
			return err
		}
		if n >= s.opts.MaxTasks {
			return task.ErrFull
		}
		var err error
		created, err = scan(tx.QueryRow(ctx,
			"INSERT INTO tasks (title, description) VALUES ($1, $2) RETURNING "+columns, d.Title, d.Description))
		return err
	})
	return created, err
}

func (s *Store) Get(ctx context.Context, id string) (task.Task, error) {
	n, err := parseID(id)
	if err != nil {
		return task.Task{}, err
	}
	ctx, cancel := s.bounded(ctx)
	defer cancel()
	return scan(s.pool.QueryRow(ctx, "SELECT "+columns+" FROM tasks WHERE id = $1", n))
}

func (s *Store) List(ctx context.Context, status task.Status) ([]task.Task, error) {
	ctx, cancel := s.bounded(ctx)
	defer cancel()
	rows, err := s.pool.Query(ctx,
		"SELECT "+columns+" FROM tasks WHERE $1 = '' OR status = $1 ORDER BY id", string(status))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	tasks := []task.Task{}
	for rows.Next() {
		t, err := scan(rows)
		if err != nil {
			return nil, err
		}
		tasks = append(tasks, t)
	}
	return tasks, rows.Err()
}

func (s *Store) Update(ctx context.Context, id string, d task.Draft) (task.Task, error) {
	n, err := parseID(id)
	if err != nil {
		return task.Task{}, err
	}
	ctx, cancel := s.bounded(ctx)
	defer cancel()
	return scan(s.pool.QueryRow(ctx,
		"UPDATE tasks SET title = $2, description = $3, updated_at = now() WHERE id = $1 RETURNING "+columns,
		n, d.Title, d.Description))
}

func (s *Store) Delete(ctx context.Context, id string) error {
	n, err := parseID(id)
	if err != nil {
		return err
	}
	ctx, cancel := s.bounded(ctx)
	defer cancel()
	tag, err := s.pool.Exec(ctx, "DELETE FROM tasks WHERE id = $1", n)
	if err == nil && tag.RowsAffected() == 0 {
		return task.ErrNotFound
	}
	return err
}

// Claim skips rows other workers hold locked, so concurrent workers in any process each get a different task.
func (s *Store) Claim(ctx context.Context) (task.Task, bool, error) {
	ctx, cancel := s.bounded(ctx)
	defer cancel()
	t, err := scan(s.pool.QueryRow(ctx, `UPDATE tasks SET status = 'processing', updated_at = now() WHERE id = (
		SELECT id FROM tasks
		WHERE status = 'pending' OR (status = 'processing' AND updated_at < now() - make_interval(secs => $1))
		ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING `+columns, s.opts.Lease.Seconds()))
	if errors.Is(err, task.ErrNotFound) {
		return task.Task{}, false, nil
	}
	return t, err == nil, err
}

func (s *Store) Finish(ctx context.Context, id string, outcome task.Status) (task.Task, error) {
	if outcome != task.Done && outcome != task.Failed {
		return task.Task{}, fmt.Errorf("finish task %s: outcome must be done or failed, got %q", id, outcome)
	}
	n, err := parseID(id)
	if err != nil {
		return task.Task{}, err
	}
	ctx, cancel := s.bounded(ctx)
	defer cancel()
	finished, err := scan(s.pool.QueryRow(ctx,
		"UPDATE tasks SET status = $2, updated_at = now() WHERE id = $1 AND status = 'processing' RETURNING "+columns,
		n, string(outcome)))
	if !errors.Is(err, task.ErrNotFound) {
		return finished, err
	}
	current, err := scan(s.pool.QueryRow(ctx, "SELECT "+columns+" FROM tasks WHERE id = $1", n))
	if err != nil {
		return task.Task{}, err
	}
	return task.Task{}, fmt.Errorf("finish task %s: it is %s, not processing", id, current.Status)
}

func (s *Store) Pending(ctx context.Context) (int, error) {
	ctx, cancel := s.bounded(ctx)
	defer cancel()
	var n int
	err := s.pool.QueryRow(ctx, "SELECT count(*) FROM tasks WHERE status = 'pending'").Scan(&n)
	return n, err
}

var _ task.Store = (*Store)(nil)
