package ssh

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"runtime"
	"testing"
)

// onlyReader hides any WriterTo, as an SSH channel has none.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(b []byte) (int, error) { return o.r.Read(b) }

// failingReader returns data, then err.
type failingReader struct {
	data []byte
	err  error
}

func (f *failingReader) Read(b []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(b, f.data)
	f.data = f.data[n:]
	return n, nil
}

type shortWriter struct{}

func (shortWriter) Write(b []byte) (int, error) { return len(b) / 2, nil }

type errWriter struct{}

func (errWriter) Write(b []byte) (int, error) { return 0, errors.New("full") }

func TestPooledWriterCopies(t *testing.T) {
	big := make([]byte, 100<<10+7)
	rand.Read(big)
	boom := errors.New("boom")
	cases := []struct {
		name    string
		src     io.Reader
		dst     func(*bytes.Buffer) io.Writer
		want    []byte
		wantErr error
	}{
		{name: "empty", src: onlyReader{bytes.NewReader(nil)}, want: nil},
		{name: "larger than the buffer", src: onlyReader{bytes.NewReader(big)}, want: big},
		{name: "read error after data", src: &failingReader{data: []byte("part"), err: boom}, want: []byte("part"), wantErr: boom},
		{name: "short write", src: onlyReader{bytes.NewReader([]byte("abcd"))}, dst: func(*bytes.Buffer) io.Writer { return shortWriter{} }, wantErr: io.ErrShortWrite},
		{name: "write error", src: onlyReader{bytes.NewReader([]byte("abcd"))}, dst: func(*bytes.Buffer) io.Writer { return errWriter{} }, wantErr: errors.New("full")},
	}
	var bufs copyBufs
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			var dst io.Writer = &out
			if tc.dst != nil {
				dst = tc.dst(&out)
			}
			n, err := io.Copy(bufs.writer(dst), tc.src)
			if (err == nil) != (tc.wantErr == nil) || (err != nil && err.Error() != tc.wantErr.Error()) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			if tc.dst == nil && (!bytes.Equal(out.Bytes(), tc.want) || n != int64(len(tc.want))) {
				t.Fatalf("copied %d bytes (%d in the buffer), want %d", n, out.Len(), len(tc.want))
			}
		})
	}
}

// A copy through the pooled writer reuses its buffer instead of
// allocating io.Copy's 32 KiB each time.
func TestPooledWriterReusesBuffers(t *testing.T) {
	var bufs copyBufs
	data := []byte("some output\n")
	r := bytes.NewReader(data)
	src := onlyReader{r}
	copies := func(dst io.Writer) uint64 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for i := 0; i < 100; i++ {
			r.Reset(data)
			io.Copy(dst, src)
		}
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	plain := copies(struct{ io.Writer }{io.Discard}) // io.Copy's own buffer
	pooled := copies(bufs.writer(io.Discard))
	if plain < 100*32<<10 {
		t.Fatalf("plain io.Copy allocated %d bytes for 100 copies: the comparison is void", plain)
	}
	if pooled > plain/20 {
		t.Fatalf("pooled copies allocated %d bytes, plain ones %d", pooled, plain)
	}
}
