package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/netkit-go/netkit/rcs"
	"github.com/netkit-go/netkit/rcs/diff"
)

func newRCSCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rcs",
		Short: "Native RCS: check in, check out, log, diff and lock ,v files",
		Long: `Local revision control on RCS ,v files, shaped like GNU RCS's ci, co, rlog,
rcsdiff and rcs -l/-u, and compatible with them: netkit writes the bytes GNU
RCS writes, through the same ",name," lock file. Options are GNU style, the
value glued to the letter (-r1.2, -m'message', -t-'description').
FILE may be the working name (found as FILE,v or RCS/FILE,v) or the ,v path.
The user name for locks is $LOGNAME, then $USER, then the login name.`,
		Example: `  netkit rcs ci -u -m'first' -t-'a file' notes.txt
  netkit rcs co -l notes.txt
  netkit rcs log -r1.1 notes.txt
  netkit rcs diff -r1.1 -r1.2 notes.txt`,
	}
	cmd.AddCommand(
		rcsSub("ci", "[-l|-u] [-f] [-q] [-rREV] [-mMSG] [-t-DESC] [-dDATE] [-wAUTHOR] [-sSTATE] [-nNAME|-NNAME] FILE...",
			"Check in working files as new revisions (GNU ci)",
			"  netkit rcs ci -l -m'fix the intro' notes.txt\n  netkit rcs ci -r1.2.1 -m'on a branch' notes.txt", runRCSCheckin),
		rcsSub("co", "[-l|-u|-p] [-f] [-q] [-rREV] [-dDATE] [-sSTATE] [-w[WHO]] [-kMODE] FILE...",
			"Check out revisions (GNU co); -p prints to stdout",
			"  netkit rcs co -p -r1.1 notes.txt\n  netkit rcs co -l notes.txt\n  netkit rcs co -p -ko -rREL_1 notes.txt\n  netkit rcs co -p '-d2026/01/02 12:00' -sExp notes.txt", runRCSCheckout),
		rcsSub("log", "[-h|-t] [-L] [-R] [-N] [-b] [-rREVS] [-dDATES] [-sSTATES] [-w[LOGINS]] [-l[LOGINS]] [-zZONE] FILE...",
			"Print the history in rlog's format, all of it or the revisions selected",
			"  netkit rcs log notes.txt\n  netkit rcs log -h notes.txt\n  netkit rcs log -L -R *,v\n  netkit rcs log -r1.2:1.5 -sExp notes.txt\n  netkit rcs log '-d2026/01/01<2026/02/01' -wtester notes.txt", runRCSLog),
		rcsSub("diff", "[-u|-c|-UN|-CN|-n] [-q] [-kMODE] [-rREV1 [-rREV2]] FILE...",
			"Compare revisions, or a revision and the working file (rcsdiff); exit 1 when they differ",
			"  netkit rcs diff notes.txt\n  netkit rcs diff -u -r1.1 -r1.3 notes.txt\n  netkit rcs diff -C1 -r1.2 notes.txt", runRCSDiff),
		rcsSub("admin", "[-i] [-nNAME[:REV]] [-NNAME[:REV]] [-aLOGINS] [-e[LOGINS]] [-sSTATE[:REV]] [-t-DESC] [-mREV:MSG] [-l[REV]] [-u[REV]] [-L|-U] [-kMODE] [-b[REV]] [-oRANGE] [-q] FILE...",
			"Change an RCS file's names, access list, states, logs, description, locks (GNU rcs)",
			"  netkit rcs admin -nREL_1:1.3 -aalice,bob notes.txt\n  netkit rcs admin -sStable:1.2 '-m1.2:a better log' notes.txt\n  netkit rcs admin -i -U '-t-a new file' new.txt\n  netkit rcs admin -o1.2:1.4 notes.txt", runRCSAdmin),
		rcsSub("lock", "[-rREV] FILE...", "Lock a revision (rcs -l); the head by default",
			"  netkit rcs lock notes.txt", runRCSLock),
		rcsSub("unlock", "[-rREV] FILE...", "Remove your lock (rcs -u)",
			"  netkit rcs unlock notes.txt", runRCSUnlock),
	)
	return cmd
}

// rcsOptions are GNU-style options: a letter and a glued value.
type rcsOptions struct {
	vals  map[byte]string
	set   map[byte]bool
	revs  []string // every -r, in order
	order []string // every option, as given
	files []string
	quiet bool
}

func (o *rcsOptions) has(c byte) bool { return o.set[c] }

// parseRCSArgs parses GNU RCS-style arguments; allowed lists the option
// letters the command accepts.
func parseRCSArgs(args []string, allowed string) (*rcsOptions, error) {
	o := &rcsOptions{vals: map[byte]string{}, set: map[byte]bool{}}
	for i, a := range args {
		if a == "--" {
			o.files = append(o.files, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			o.files = append(o.files, a)
			continue
		}
		c := a[1]
		if !strings.ContainsRune(allowed, rune(c)) {
			return nil, withExit(exitUsage, fmt.Errorf("unknown option %s", a))
		}
		o.set[c] = true
		o.vals[c] = a[2:]
		o.order = append(o.order, a)
		if c == 'r' {
			o.revs = append(o.revs, a[2:])
		}
		if c == 'q' {
			o.quiet = true
		}
	}
	if len(o.files) == 0 {
		return nil, withExit(exitUsage, errors.New("no file given"))
	}
	return o, nil
}

type rcsRunner func(c *cobra.Command, o *rcsOptions) error

func rcsSub(name, usage, short, example string, run rcsRunner) *cobra.Command {
	allowed := map[string]string{"ci": "lufqrmtdwsnN", "co": "lupfqrkdsw", "log": "hLRrdswblNtz", "diff": "rucUCnqk", "admin": "nNaestmluLUikbcoq", "lock": "r", "unlock": "r"}[name]
	c := &cobra.Command{
		Use:                name + " " + usage,
		Short:              short,
		Long:               short + ".\n\nOptions, GNU RCS style (value glued to the letter):\n" + rcsOptionHelp(name, allowed),
		Example:            example,
		DisableFlagParsing: true,
		RunE: func(c *cobra.Command, args []string) error {
			for _, a := range args {
				if a == "--help" {
					return c.Help()
				}
			}
			o, err := parseRCSArgs(args, allowed)
			if err != nil {
				return err
			}
			if os.Getenv("GOGC") == "" {
				// Each file's parse is new heap memory (about 3 MB for
				// 10,000 revisions; the file itself is mapped, see
				// runMapped): with many files, collecting at 5x the live
				// heap, not 2x, saved a fifth of `co -p` on 50 files
				// when files were read into the heap (docs/rcs.md,
				// Speed). With mapped files, GOGC=100, 200 and 400 took
				// the same time within the noise (scripts/rcsproc.py);
				// 100 has fewer page faults but collects more often.
				// A runtime.GC between files (when almost nothing is
				// live) halved a batch's page faults but cost as much
				// CPU as it saved: not done.
				debug.SetGCPercent(400)
			}
			return runMapped(func() error { return run(c, o) })
		},
	}
	// Only --help: -h belongs to the commands (rlog -h).
	c.Flags().Bool("help", false, "help for "+name)
	return c
}

// interrupted is the error that stops an rcs command before its next file
// once Ctrl-C or SIGTERM has arrived, nil before. The command stops between
// files, so none is left half-written and no lock file stays behind (GNU
// RCS removes its lock file when interrupted).
func interrupted(c *cobra.Command) error {
	if c.Context().Err() != nil {
		return withExit(exitFailure, errors.New("interrupted: the files before this one are done, the rest are untouched"))
	}
	return nil
}

// runMapped runs a command's work with its ,v files mapped, not read
// into the heap (rcs.MapFiles): the command exits when done, so the
// mappings' lifetime (the process's) is safe; a 10,000-revision `co -p`
// then pays a tenth of the page faults it paid. A file truncated by
// another program while mapped faults when touched: that becomes the
// command's error instead of a crash.
func runMapped(work func() error) (err error) {
	rcs.MapFiles()
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if v := recover(); v != nil {
			if err = rcs.MapFault(v); err == nil {
				panic(v)
			}
		}
	}()
	return work()
}

// rcsOptionText describes each option letter.
var rcsOptionText = map[byte]string{
	'l': "-l[REV]   lock (co: check out locked; ci: check in, keep a lock and the file)",
	'u': "-u[REV]   unlocked (co: release your lock; ci: keep a read-only working file)",
	'p': "-p        print the revision on stdout, write no file",
	'f': "-f        force (ci: even if unchanged; co: overwrite a writable file)",
	'q': "-q        quiet: no diagnostics",
	'r': "-rREV     revision, branch or symbolic name",
	'm': "-mMSG     log message (ci reads one from stdin without it)",
	't': "-t-DESC   description of a new file",
	'd': "-dDATE    date, YYYY/MM/DD hh:mm:ss UTC (-d alone: the file's mtime)",
	'w': "-wAUTHOR  author of the new revision",
	'k': "-kMODE    keyword mode: kv, kvl, k, v, o, b",
	's': "-sSTATE   state of the new revision (default Exp)",
	'h': "-h        header only",
	'N': "-N        no symbolic names",
	'b': "-b        the revisions of the default branch (the trunk without one)",
	'L': "-L        only files that have locks",
	'R': "-R        only the ,v file names",
}

// rcsCommandOptionText overrides rcsOptionText for one command.
var rcsCommandOptionText = map[string]map[byte]string{
	"ci": {
		'n': "-nNAME    give the new revision the symbolic name NAME",
		'N': "-NNAME    the same, moving NAME if it exists",
	},
	"co": {
		'd': "-dDATE    the newest revision (on the branch) dated DATE or before",
		's': "-sSTATE   the newest revision (on the branch) in state STATE",
		'w': "-w[WHO]   the newest revision (on the branch) checked in by WHO (you)",
	},
	"admin": {
		'i': "-i        create a new, empty RCS file (its description from -t or stdin)",
		'n': "-nNAME[:REV] name REV (the default branch's newest without REV); -nNAME deletes NAME",
		'N': "-NNAME[:REV] the same, moving NAME if it exists",
		'a': "-aLOGINS  add the logins (comma list) to the access list",
		'e': "-e[LOGINS] remove the logins from the access list (all without a list)",
		's': "-sSTATE[:REV] set the state of REV (the default branch's newest)",
		't': "-t-DESC   replace the description (-tFILE: read it from FILE)",
		'm': "-mREV:MSG replace the log message of REV",
		'l': "-l[REV]   lock REV (the default branch's newest)",
		'u': "-u[REV]   unlock REV (the one you locked)",
		'L': "-L        strict locking: check-ins need a lock",
		'U': "-U        non-strict locking: the file's owner needs no lock",
		'k': "-kMODE    the default keyword mode: kv, kvl, k, v, o, b",
		'b': "-b[REV]   the default branch (the trunk without REV)",
		'c': "-cLEADER  the comment leader for $Log$",
		'o': "-oRANGE   delete revisions: REV, REV1:REV2, :REV, REV: (not locked ones or branch points)",
		'q': "-q        quiet: no diagnostics",
	},
	"log": {
		'r': "-rREVS    revisions: REV, BRANCH, BRANCH., REV1:REV2, REV:, :REV, NAME (comma list; -r alone: the newest)",
		'd': "-dDATES   dates: D (newest at or before D), D1<D2, <D, D<, >D, D> (<=, >= inclusive; ';' list)",
		's': "-sSTATES  revisions in these states (comma list)",
		'w': "-w[WHO]   revisions checked in by these users (you without a list)",
		'l': "-l[WHO]   locked revisions (by these users)",
		't': "-t        header and description only",
		'z': "-zZONE    dates in ISO 8601 in ZONE: LT (local), UTC, +09, -05:00...",
	},
	"diff": {
		'u': "-u        unified diff (diff -u), 3 lines of context",
		'c': "-c        context diff (diff -c), 3 lines of context",
		'U': "-UN       unified diff with N lines of context",
		'C': "-CN       context diff with N lines of context",
		'n': "-n        RCS format (diff -n, as deltas are stored)",
		'r': "-rREV     revision, branch or name (twice: compare two revisions)",
		'k': "-kMODE    keyword mode before comparing: kv, kvl, k, v, o, b",
		'q': "-q        quiet: no header on stderr",
	},
}

func rcsOptionHelp(name, allowed string) string {
	var b strings.Builder
	for i := 0; i < len(allowed); i++ {
		text, ok := rcsCommandOptionText[name][allowed[i]]
		if !ok {
			text = rcsOptionText[allowed[i]]
		}
		b.WriteString("  " + text + "\n")
	}
	return b.String()
}

// rcsUser is the name RCS uses for locks: $LOGNAME, $USER, the login.
func rcsUser() string {
	for _, v := range []string{"LOGNAME", "USER"} {
		if s := os.Getenv(v); s != "" {
			return s
		}
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "unknown"
}

// rcsDate parses a -d value (see rcs.ParseDate); a date without a zone is
// UTC, as in GNU RCS.
func rcsDate(s string) (time.Time, error) {
	t, err := rcs.ParseDate(s)
	if err != nil {
		return time.Time{}, withExit(exitUsage, fmt.Errorf("%w (try YYYY/MM/DD hh:mm:ss, UTC)", err))
	}
	return t, nil
}

// checkAccess applies the access list, letting in the ,v file's owner and
// the superuser as GNU RCS does.
func checkAccess(f *rcs.File, rcsPath, user string) error {
	err := f.CheckAccess(user)
	if err == nil || os.Geteuid() == 0 {
		return nil
	}
	if fi, serr := os.Stat(rcsPath); serr == nil {
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) == os.Geteuid() {
			return nil
		}
	}
	return err
}

// notFound turns a missing ,v file into a usage error (exit 2).
func notFound(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return withExit(exitUsage, err)
	}
	return err
}

func runRCSCheckin(c *cobra.Command, o *rcsOptions) error {
	stderr := c.ErrOrStderr()
	author := rcsUser()
	locker := author
	if o.has('w') {
		author = o.vals['w']
	}
	var date time.Time
	if o.has('d') {
		var err error
		if o.vals['d'] == "" {
			date = time.Time{} // the working file's mtime, set per file below
		} else if date, err = rcsDate(o.vals['d']); err != nil {
			return err
		}
	}
	for _, a := range o.order {
		if (a[1] == 'n' || a[1] == 'N') && !rcs.ValidName(a[2:]) {
			return withExit(exitUsage, fmt.Errorf("invalid symbolic name in %s", a))
		}
	}
	msg, haveMsg := o.vals['m'], o.has('m')
	rev := o.vals['r']
	for _, c := range []byte{'l', 'u'} {
		if rev == "" && o.vals[c] != "" {
			rev = o.vals[c] // ci -lREV is ci -l -rREV
		}
	}
	for _, name := range o.files {
		if err := interrupted(c); err != nil {
			return err
		}
		rcsPath, work := rcs.Paths(name)
		content, err := os.ReadFile(work)
		if err != nil {
			return notFound(err)
		}
		d := date
		if o.has('d') && o.vals['d'] == "" {
			if fi, err := os.Stat(work); err == nil {
				d = fi.ModTime()
			}
		}
		if !o.quiet {
			fmt.Fprintf(stderr, "%s  <--  %s\n", rcsPath, work)
		}
		_, statErr := os.Stat(rcsPath)
		isNew := errors.Is(statErr, fs.ErrNotExist)
		desc := strings.TrimPrefix(o.vals['t'], "-")
		logMsg := msg
		switch {
		case isNew && !o.has('m'):
			// As GNU ci, even after a message read for a file before.
			logMsg = "Initial revision"
		case !haveMsg:
			if msg, err = readText(c, stderr, "enter log message, terminated with single '.' or end of file:\n"); err != nil {
				return err
			}
			logMsg = msg
			haveMsg = true // one message for every file, as GNU ci reuses it
		}
		if isNew && !o.has('t') {
			if desc, err = readText(c, stderr, descPrompt); err != nil {
				return err
			}
		}
		var newRev, prev string
		f, err := rcs.Update(rcsPath, true, func(f *rcs.File) error {
			if err := checkAccess(f, rcsPath, locker); err != nil {
				return err
			}
			var err error
			newRev, err = f.Checkin(content, rcs.CheckinOptions{
				Rev: rev, Author: author, Locker: locker, Date: d, Log: logMsg,
				Desc: desc, Lock: o.has('l'), Force: o.has('f'), State: o.vals['s'],
			})
			if err != nil {
				return err
			}
			prev = f.Predecessor(newRev)
			// ci -nNAME, -NNAME: name the new revision.
			for _, a := range o.order {
				if a[1] == 'n' || a[1] == 'N' {
					if err := f.SetSymbol(a[2:], newRev, a[1] == 'N'); err != nil {
						return err
					}
				}
			}
			return nil
		})
		var ue *rcs.UnchangedError
		unchanged := errors.As(err, &ue)
		if unchanged {
			// As GNU ci: say so, release the lock (unless -l), and
			// treat the working file as after a check-in.
			fmt.Fprintf(stderr, "%v\n", err)
			newRev = ue.Rev
			f, err = rcs.Update(rcsPath, false, func(f *rcs.File) error {
				if !o.has('l') && f.LockedBy(newRev) == locker {
					f.UnlockRev(newRev, locker)
				}
				return nil
			})
		}
		if err != nil {
			return err
		}
		if !o.quiet && !unchanged {
			if prev == "" {
				fmt.Fprintf(stderr, "initial revision: %s\n", newRev)
			} else {
				fmt.Fprintf(stderr, "new revision: %s; previous revision: %s\n", newRev, prev)
			}
			fmt.Fprintln(stderr, "done")
		}
		switch {
		case o.has('l') || o.has('u'):
			d := f.Delta(newRev)
			lockedBy := ""
			mode := os.FileMode(0o444)
			if o.has('l') {
				lockedBy, mode = locker, 0o644
			}
			text := f.ExpandKeywords(content, d, rcs.ExpandOptions{Locker: lockedBy})
			if err := writeWorking(work, text, mode); err != nil {
				return err
			}
		default:
			if err := os.Remove(work); err != nil {
				return err
			}
		}
	}
	return nil
}

// descPrompt is GNU ci's and rcs -i's prompt for a description.
const descPrompt = "enter description, terminated with single '.' or end of file:\nNOTE: This is NOT the log message!\n"

// textInput is a command's input once readText has read from it: one
// buffered reader for every text read, so that each text starts where the
// one before ended (ci of several new files reads a description for each
// from stdin, one after the other, as GNU ci does).
type textInput struct {
	*bufio.Reader
	tty bool
}

// readText reads a log message or description as ci does: lines up to a
// single "." or the end of input, with prompts only on a terminal.
func readText(c *cobra.Command, stderr io.Writer, prompt string) (string, error) {
	in, ok := c.InOrStdin().(*textInput)
	if !ok {
		raw := c.InOrStdin()
		in = &textInput{Reader: bufio.NewReader(raw)}
		if f, ok := raw.(*os.File); ok {
			if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
				in.tty = true
			}
		}
		c.SetIn(in)
	}
	if in.tty {
		fmt.Fprint(stderr, prompt+">> ")
	}
	// The read runs in a goroutine so that Ctrl-C ends the wait for the
	// text (a read from a terminal cannot be interrupted otherwise); the
	// command then returns and the process exits, read and all.
	text := make(chan string, 1)
	go func() {
		var b strings.Builder
		for {
			line, err := in.ReadString('\n')
			if line == "" && err != nil {
				break
			}
			// A line as bufio.ScanLines gives it: without "\n" or "\r\n".
			line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
			if line == "." {
				break
			}
			b.WriteString(line + "\n")
			if err != nil {
				break
			}
			if in.tty {
				fmt.Fprint(stderr, ">> ")
			}
		}
		text <- b.String()
	}()
	select {
	case t := <-text:
		return t, nil
	case <-c.Context().Done():
		return "", interrupted(c)
	}
}

// writeWorking replaces a working file through a temporary file and a
// rename, as co does.
func writeWorking(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".netkit-tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	if err := os.Chmod(tmp, mode); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

func runRCSCheckout(c *cobra.Command, o *rcsOptions) error {
	stderr := c.ErrOrStderr()
	me := rcsUser()
	mode := o.vals['k']
	if o.has('k') && !rcs.ValidMode(mode) {
		return withExit(exitUsage, fmt.Errorf("unknown keyword mode -k%s", mode))
	}
	sel := o.vals['r']
	if o.has('l') && o.vals['l'] != "" {
		sel = o.vals['l']
	}
	if o.has('u') && o.vals['u'] != "" {
		sel = o.vals['u']
	}
	var filter rcs.Filter
	if o.has('d') {
		d, err := rcsDate(o.vals['d'])
		if err != nil {
			return err
		}
		filter.Date = d
	}
	if o.has('s') {
		if filter.State = o.vals['s']; filter.State == "" {
			return withExit(exitUsage, errors.New("missing state after -s"))
		}
	}
	if o.has('w') {
		if filter.Author = o.vals['w']; filter.Author == "" {
			filter.Author = me
		}
	}
	for _, name := range o.files {
		if err := interrupted(c); err != nil {
			return err
		}
		rcsPath, work := rcs.Paths(name)
		if !o.has('p') && !o.has('f') {
			if fi, err := os.Stat(work); err == nil && fi.Mode().Perm()&0o200 != 0 {
				return fmt.Errorf("writable %s exists; checkout aborted", work)
			}
		}
		var f *rcs.File
		var rev string
		var err error
		resolve := func(f *rcs.File) error {
			rev, err = f.ResolveFilter(sel, filter)
			return err
		}
		switch {
		case o.has('l'):
			f, err = rcs.Update(rcsPath, false, func(f *rcs.File) error {
				if err := resolve(f); err != nil {
					return err
				}
				if err := checkAccess(f, rcsPath, me); err != nil {
					return err
				}
				return f.LockRev(rev, me)
			})
		case o.has('u'):
			f, err = rcs.Update(rcsPath, false, func(f *rcs.File) error {
				if err := resolve(f); err != nil {
					return err
				}
				if f.LockedBy(rev) == me {
					_, err := f.UnlockRev(rev, me)
					return err
				}
				return nil
			})
		default:
			f, err = rcs.Open(rcsPath)
			if err == nil {
				err = resolve(f)
			}
		}
		if err != nil {
			return notFound(err)
		}
		text, err := f.Checkout(rev)
		if err != nil {
			return err
		}
		d := f.Delta(rev)
		locker := ""
		if o.has('l') || mode == rcs.ModeKVL {
			locker = f.LockedBy(rev)
		}
		symName := ""
		if sel != "" && !strings.ContainsAny(sel[:1], "0123456789") {
			symName = sel
		}
		text = f.ExpandKeywords(text, d, rcs.ExpandOptions{Mode: mode, Locker: locker, Name: symName})
		if o.has('p') {
			if !o.quiet {
				fmt.Fprintf(stderr, "%s  -->  standard output\nrevision %s\n", rcsPath, rev)
			}
			if _, err := c.OutOrStdout().Write(text); err != nil {
				return err
			}
			continue
		}
		if !o.quiet {
			fmt.Fprintf(stderr, "%s  -->  %s\nrevision %s", rcsPath, work, rev)
			if o.has('l') {
				fmt.Fprint(stderr, " (locked)")
			} else if o.has('u') {
				fmt.Fprint(stderr, " (unlocked)")
			}
			fmt.Fprintln(stderr, "\ndone")
		}
		perm := os.FileMode(0o444)
		if o.has('l') {
			perm = 0o644
		}
		if err := writeWorking(work, text, perm); err != nil {
			return err
		}
	}
	return nil
}

func runRCSLog(c *cobra.Command, o *rcsOptions) error {
	out := c.OutOrStdout()
	var sel rcs.Selection
	selecting := false
	list := func(v string) []string {
		return strings.FieldsFunc(v, func(r rune) bool { return strings.ContainsRune(", \t\n;", r) })
	}
	for _, a := range o.order {
		v := a[2:]
		switch a[1] {
		case 'r':
			sel.Revs = append(sel.Revs, v)
		case 'b':
			sel.Branch = true
		case 'd':
			if strings.TrimSpace(v) == "" {
				return withExit(exitUsage, errors.New("missing date/time after -d"))
			}
			sel.Dates = append(sel.Dates, v)
		case 's':
			if len(list(v)) == 0 {
				return withExit(exitUsage, errors.New("missing state attributes after -s option"))
			}
			sel.States = append(sel.States, list(v)...)
		case 'w':
			if v == "" {
				v = rcsUser()
			}
			sel.Authors = append(sel.Authors, list(v)...)
		case 'l':
			sel.Locked = true
			sel.Lockers = append(sel.Lockers, list(v)...)
		default:
			continue
		}
		selecting = true
	}
	var zone *time.Location
	if z := o.vals['z']; z != "" {
		var err error
		if zone, err = rcs.ParseZone(z); err != nil {
			return withExit(exitUsage, err)
		}
	}
	for _, name := range o.files {
		if err := interrupted(c); err != nil {
			return err
		}
		rcsPath, work := rcs.Paths(name)
		f, err := rcs.Open(rcsPath)
		if err != nil {
			return notFound(err)
		}
		if o.has('L') && len(f.Locks) == 0 {
			continue
		}
		if o.has('R') {
			fmt.Fprintln(out, rcsPath)
			continue
		}
		lo := rcs.LogOptions{Working: work, HeaderOnly: o.has('h'), DescOnly: o.has('t'),
			NoNames: o.has('N'), Lockers: sel.Lockers, Zone: zone}
		if selecting {
			if lo.Selected, err = f.Selected(sel); err != nil {
				return withExit(exitUsage, err)
			}
		}
		fmt.Fprint(out, f.Log(lo))
	}
	return nil
}

func runRCSDiff(c *cobra.Command, o *rcsOptions) error {
	if len(o.revs) > 2 {
		return withExit(exitUsage, errors.New("usage: netkit rcs diff [-u|-c|-UN|-CN|-n] [-kMODE] [-rREV1 [-rREV2]] FILE...; at most two -r"))
	}
	do := rcs.DiffOptions{Style: diff.Normal, Mode: o.vals['k']}
	var flags string // the diff options, as rcsdiff repeats them
	for _, a := range o.order {
		switch a[1] {
		case 'u', 'c', 'U', 'C':
			do.Style, do.Context = diff.Unified, 3
			if a[1] == 'c' || a[1] == 'C' {
				do.Style = diff.Context
			}
			if a[1] == 'U' || a[1] == 'C' {
				n, err := strconv.Atoi(a[2:])
				if err != nil || n < 0 {
					return withExit(exitUsage, fmt.Errorf("bad context length in %s", a))
				}
				do.Context = n
			}
		case 'n':
			do.Style = diff.RCS
		default:
			continue
		}
		flags += " " + a
	}
	if o.has('k') && !rcs.ValidMode(do.Mode) {
		return withExit(exitUsage, fmt.Errorf("unknown keyword mode -k%s", do.Mode))
	}
	stderr := c.ErrOrStderr()
	if o.quiet {
		stderr = io.Discard
	}
	var differ []string
	for _, name := range o.files {
		if err := interrupted(c); err != nil {
			return err
		}
		out, err := diffOneFile(stderr, o, name, flags, do)
		if err != nil {
			return err
		}
		if out != nil {
			if _, err := c.OutOrStdout().Write(out); err != nil {
				return err
			}
			differ = append(differ, name)
		}
	}
	if differ == nil {
		return nil
	}
	return withExit(exitFailure, fmt.Errorf("%s: differences found", strings.Join(differ, ", ")))
}

// diffOneFile is rcsdiff for one file: the header on stderr, the diff
// (nil when equal) returned.
func diffOneFile(stderr io.Writer, o *rcsOptions, name, flags string, do rcs.DiffOptions) ([]byte, error) {
	rcsPath, work := rcs.Paths(name)
	do.Working = work
	f, err := rcs.Open(rcsPath)
	if err != nil {
		return nil, notFound(err)
	}
	sel1 := ""
	if len(o.revs) > 0 {
		sel1 = o.revs[0]
	} else {
		// rcsdiff compares the working file with the revision locked by
		// the caller, else the head.
		for _, l := range f.Locks {
			if l.Locker == rcsUser() {
				sel1 = l.Rev
			}
		}
	}
	rev1, err := f.ResolveFilter(sel1, rcs.Filter{})
	if err != nil {
		return nil, withExit(exitUsage, err)
	}
	fmt.Fprintf(stderr, "%s\nRCS file: %s\n", strings.Repeat("=", 67), rcsPath)
	var out []byte
	if len(o.revs) == 2 {
		rev2, err := f.ResolveFilter(o.revs[1], rcs.Filter{})
		if err != nil {
			return nil, withExit(exitUsage, err)
		}
		if rev1 == rev2 {
			return nil, nil
		}
		fmt.Fprintf(stderr, "retrieving revision %s\nretrieving revision %s\ndiff%s -r%s -r%s\n", rev1, rev2, flags, rev1, rev2)
		if out, err = f.Diff(rev1, rev2, nil, time.Time{}, do); err != nil {
			return nil, err
		}
	} else {
		text, err := os.ReadFile(work)
		if err != nil {
			return nil, notFound(err)
		}
		var mtime time.Time
		if fi, err := os.Stat(work); err == nil {
			mtime = fi.ModTime()
		}
		fmt.Fprintf(stderr, "retrieving revision %s\ndiff%s -r%s %s\n", rev1, flags, rev1, work)
		if out, err = f.Diff(rev1, "", text, mtime, do); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func runRCSAdmin(c *cobra.Command, o *rcsOptions) error {
	stderr := c.ErrOrStderr()
	if o.quiet {
		stderr = io.Discard
	}
	me := rcsUser()
	ao, err := adminOptions(o, me)
	if err != nil {
		return err
	}
	ao.OutdateAll = o.quiet
	desc, haveDesc := "", o.has('t')
	if haveDesc {
		v := o.vals['t']
		switch {
		case strings.HasPrefix(v, "-"):
			desc = v[1:]
		case v == "":
			// Read for each file below, as GNU rcs does.
		default:
			b, err := os.ReadFile(v)
			if err != nil {
				return notFound(err)
			}
			desc = string(b)
		}
	}
	for _, name := range o.files {
		if err := interrupted(c); err != nil {
			return err
		}
		rcsPath, _ := rcs.Paths(name)
		fmt.Fprintf(stderr, "RCS file: %s\n", rcsPath)
		if o.has('i') {
			if _, err := os.Stat(rcsPath); err == nil {
				return fmt.Errorf("%s already exists", rcsPath)
			}
		}
		// A description from stdin is read for each file (rcs -t with no
		// file, rcs -i without -t), each up to its "." line, as GNU rcs
		// reads them.
		if o.has('t') && o.vals['t'] == "" || o.has('i') && !o.has('t') {
			if desc, err = readText(c, stderr, descPrompt); err != nil {
				return err
			}
			haveDesc = true
		}
		if haveDesc {
			ao.Desc = &desc
		}
		var report []string
		_, err := rcs.Update(rcsPath, o.has('i'), func(f *rcs.File) error {
			if !o.has('i') {
				if err := checkAccess(f, rcsPath, me); err != nil {
					return err
				}
			}
			var err error
			report, err = f.Admin(ao)
			return err
		})
		if err != nil {
			return notFound(err)
		}
		for _, r := range report {
			fmt.Fprintln(stderr, r)
		}
		fmt.Fprintln(stderr, "done")
	}
	return nil
}

// adminOptions turns rcs's options into rcs.AdminOptions, in the order
// given.
func adminOptions(o *rcsOptions, me string) (rcs.AdminOptions, error) {
	ao := rcs.AdminOptions{User: me}
	logins := func(v string) []string {
		return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
	}
	for _, a := range o.order {
		v := a[2:]
		if strings.ContainsRune("mnNso", rune(a[1])) && v == "" || a[1] == 'm' && !strings.Contains(v, ":") {
			return ao, withExit(exitUsage, fmt.Errorf("missing value in %s", a))
		}
		switch a[1] {
		case 'a', 'e':
			for _, l := range logins(v) {
				if !rcs.ValidName(l) {
					return ao, withExit(exitUsage, fmt.Errorf("invalid login %q", l))
				}
			}
			ao.Access = append(ao.Access, rcs.AccessEdit{Remove: a[1] == 'e', Logins: logins(v)})
		case 'n', 'N':
			name, rev, bind := strings.Cut(v, ":")
			if !rcs.ValidName(name) {
				return ao, withExit(exitUsage, fmt.Errorf("invalid symbolic name %q", name))
			}
			ao.Symbols = append(ao.Symbols, rcs.SymbolEdit{Name: name, Rev: rev, Move: a[1] == 'N', Delete: !bind})
		case 'b':
			ao.Branch = &v
		case 'c':
			ao.Comment = &v
		case 'k':
			if !rcs.ValidMode(v) {
				return ao, withExit(exitUsage, fmt.Errorf("unknown keyword mode -k%s", v))
			}
			ao.Expand = &v
		case 'L', 'U':
			strict := a[1] == 'L'
			ao.Strict = &strict
		case 'u':
			ao.Unlock = append(ao.Unlock, v)
		case 'l':
			ao.Lock = append(ao.Lock, v)
		case 's':
			state, rev, _ := strings.Cut(v, ":")
			if !rcs.ValidName(state) {
				return ao, withExit(exitUsage, fmt.Errorf("invalid state %q", state))
			}
			ao.States = append(ao.States, rcs.StateEdit{State: state, Rev: rev})
		case 'o':
			ao.Outdate = v // as in GNU rcs, the last -o counts
		case 'm':
			rev, msg, _ := strings.Cut(v, ":")
			ao.Logs = append(ao.Logs, rcs.LogEdit{Rev: rev, Msg: msg})
		}
	}
	return ao, nil
}

func runRCSLock(c *cobra.Command, o *rcsOptions) error {
	me := rcsUser()
	for _, name := range o.files {
		if err := interrupted(c); err != nil {
			return err
		}
		rcsPath, _ := rcs.Paths(name)
		var rev string
		_, err := rcs.Update(rcsPath, false, func(f *rcs.File) error {
			var err error
			if rev, err = f.ResolveFilter(o.vals['r'], rcs.Filter{}); err != nil {
				return err
			}
			if err := checkAccess(f, rcsPath, me); err != nil {
				return err
			}
			return f.LockRev(rev, me)
		})
		if err != nil {
			return notFound(err)
		}
		fmt.Fprintf(c.ErrOrStderr(), "%s: %s locked\n", rcsPath, rev)
	}
	return nil
}

func runRCSUnlock(c *cobra.Command, o *rcsOptions) error {
	me := rcsUser()
	for _, name := range o.files {
		if err := interrupted(c); err != nil {
			return err
		}
		rcsPath, _ := rcs.Paths(name)
		var rev string
		_, err := rcs.Update(rcsPath, false, func(f *rcs.File) error {
			sel := ""
			if o.vals['r'] != "" {
				r, err := f.ResolveFilter(o.vals['r'], rcs.Filter{})
				if err != nil {
					return err
				}
				sel = r
			}
			var err error
			rev, err = f.UnlockRev(sel, me)
			return err
		})
		if err != nil {
			return notFound(err)
		}
		fmt.Fprintf(c.ErrOrStderr(), "%s: %s unlocked\n", rcsPath, rev)
	}
	return nil
}
