#include "cli_conn.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "vm_alloc.h"

volatile sig_atomic_t cli_stop;

static const char *env2(const char *a, const char *b)
{
	const char *v = getenv(a);
	if (v && *v)
		return v;
	v = b ? getenv(b) : NULL;
	return v && *v ? v : NULL;
}

/* VTRUNK_INSECURE, else GOVC_INSECURE: 1/true/yes or 0/false/no. Anything else is refused:
 * a typo must not leave the user believing verification is off (or on). */
static int insecure_env(int *on, struct vm_err *err)
{
	const char *name = "VTRUNK_INSECURE", *v = env2(name, NULL);
	static const char *const yes[] = {"1", "true", "yes"}, *const no[] = {"0", "false", "no"};

	if (!v)
		v = env2(name = "GOVC_INSECURE", NULL);
	*on = 0;
	if (!v)
		return 0;
	for (size_t i = 0; i < 3; i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return *on = 1, 0;
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	}
	return vm_err_set(err, VM_ERR_USAGE, "%s=%s: not a yes or no (use 1, true or yes; 0, false or no)",
			  name, v);
}

/* govc's known-hosts file: "host[:port] thumbprint" a line. */
static char *known_hosts_file_lookup(const char *file, const char *base)
{
	const char *host = strstr(base, "://") ? strstr(base, "://") + 3 : base;
	size_t hl = strcspn(host, ":/");
	char line[1024], *found = NULL;
	FILE *f = fopen(file, "r");

	if (!f)
		return NULL;
	while (!found && fgets(line, sizeof(line), f)) {
		char *name = strtok(line, " \t\r\n"), *fp = strtok(NULL, " \t\r\n");
		if (!name || !fp)
			continue;
		if (strcmp(name, host) == 0 || (strlen(name) == hl && strncmp(name, host, hl) == 0))
			found = vm_xstrdup(fp);
	}
	fclose(f);
	return found;
}

/* GOVC_TLS_KNOWN_HOSTS is a ':'-separated list of such files, as in govc; the first
 * that names the host decides. */
static char *known_hosts_lookup(const char *files, const char *base)
{
	char *found = NULL;

	for (const char *p = files; *p && !found; p += *p == ':') {
		size_t n = strcspn(p, ":");
		if (n) {
			char *file = vm_xstrndup(p, n);
			found = known_hosts_file_lookup(file, base);
			free(file);
		}
		p += n;
	}
	return found;
}

void cli_conn_datacenter_default(struct vm_plan *plan)
{
	const char *dc = env2("GOVC_DATACENTER", NULL), *slash;

	if (plan->datacenter || !dc)
		return;
	slash = strrchr(dc, '/');
	if (slash && !slash[1])
		return; /* "/" or "path/": no name to take */
	plan->datacenter = vm_xstrdup(slash ? slash + 1 : dc);
	plan->datacenter_from = "GOVC_DATACENTER (the plan names no datacenter)";
}

char *cli_conn_password_file_read(const char *path, struct vm_err *err)
{
	struct stat st;
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return vm_err_set(err, VM_ERR_USAGE, "--password-file: cannot open %s: %s", path, strerror(errno)), NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return vm_err_set(err, VM_ERR_USAGE, "--password-file: %s is not a regular file", path), NULL;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		close(fd);
		return vm_err_set(err, VM_ERR_USAGE,
				  "--password-file: %s can be read by other users (mode %03o); run: chmod 600 %s",
				  path, (unsigned)(st.st_mode & 0777), path), NULL;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return vm_err_set(err, VM_ERR_USAGE, "--password-file: cannot read %s: %s", path, strerror(errno)), NULL;
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	char *p = vm_xstrdup(buf);
	explicit_bzero(buf, sizeof(buf));
	return p;
}

static char *read_line_fd(FILE *f)
{
	char buf[4096];
	char *p;
	size_t n;

	if (!fgets(buf, sizeof(buf), f))
		return NULL;
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	p = vm_xstrdup(buf);
	explicit_bzero(buf, sizeof(buf));
	return p;
}

static char *prompt_password(const char *user, const char *base)
{
	struct termios old, noecho;
	FILE *tty = fopen("/dev/tty", "r+");
	char *p;

	if (!tty)
		return NULL;
	fprintf(tty, "Password for %s at %s: ", user, base);
	fflush(tty);
	if (tcgetattr(fileno(tty), &old) == 0) {
		noecho = old;
		noecho.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fileno(tty), TCSAFLUSH, &noecho);
	}
	p = read_line_fd(tty);
	tcsetattr(fileno(tty), TCSAFLUSH, &old);
	fputc('\n', tty);
	fclose(tty);
	return p;
}

int cli_conn_opts_get(const struct cli_ctx *ctx, struct vs_http_opts *o, char **url_user,
		      char **url_password, struct vm_err *err)
{
	const char *url = ctx->url ? ctx->url : env2("VTRUNK_URL", "GOVC_URL");

	memset(o, 0, sizeof(*o));
	if (!url)
		return vm_err_set(err, VM_ERR_USAGE,
				  "no vCenter given: use --url HOST, or set VTRUNK_URL (GOVC_URL works too)");
	o->url = url;
	o->ca_file = ctx->ca_file;
	o->ca_source = "--ca-file";
	if (!o->ca_file && (o->ca_file = env2("VTRUNK_CA_FILE", NULL)) != NULL)
		o->ca_source = "VTRUNK_CA_FILE";
	/* govc's variable is a list of files, as govc reads it. */
	if (!o->ca_file && (o->ca_file = env2("GOVC_TLS_CA_CERTS", NULL)) != NULL) {
		o->ca_source = "GOVC_TLS_CA_CERTS";
		o->ca_file_list = 1;
	}
	o->thumbprint = ctx->thumbprint ? ctx->thumbprint : env2("VTRUNK_THUMBPRINT", NULL);
	if (ctx->insecure >= 0)
		o->insecure = ctx->insecure;
	else if (insecure_env(&o->insecure, err) < 0)
		return -1;
	o->timeout = ctx->timeout;
	o->debug = ctx->debug;
	o->stop = &cli_stop;
	if (url_user || url_password) {
		char *base = vs_http_url_normalize(url, url_user, url_password, err);
		if (!base)
			return -1;
		free(base);
	}
	return 0;
}

struct vs_session *cli_conn_open(const struct cli_ctx *ctx, int login, struct vm_err *err)
{
	struct vs_http_opts o;
	struct vs_session *s = NULL;
	char *url_user = NULL, *url_pass = NULL, *password = NULL, *pinned = NULL;
	const char *user, *kh;

	if (cli_conn_opts_get(ctx, &o, &url_user, &url_pass, err) < 0)
		goto cleanup;
	kh = getenv("GOVC_TLS_KNOWN_HOSTS");
	if (!o.thumbprint && !o.insecure && kh && *kh) {
		char *base = vs_http_url_normalize(o.url, NULL, NULL, NULL);
		if (base)
			pinned = known_hosts_lookup(kh, base);
		free(base);
		o.thumbprint = pinned;
	}
	user = ctx->username ? ctx->username : env2("VTRUNK_USERNAME", "GOVC_USERNAME");
	if (!user)
		user = url_user;
	if (login) {
		if (!user || !*user) {
			vm_err_set(err, VM_ERR_USAGE, "no user name: use --username or set VTRUNK_USERNAME (GOVC_USERNAME works too)");
			goto cleanup;
		}
		if (ctx->password_file) {
			password = cli_conn_password_file_read(ctx->password_file, err);
		} else if (ctx->password_stdin) {
			password = read_line_fd(stdin);
			if (!password)
				vm_err_set(err, VM_ERR_USAGE, "--password-stdin: nothing to read on standard input");
		} else if (env2("VTRUNK_PASSWORD", "GOVC_PASSWORD")) {
			password = vm_xstrdup(env2("VTRUNK_PASSWORD", "GOVC_PASSWORD"));
		} else if (url_pass) {
			password = vm_xstrdup(url_pass);
		} else if (isatty(STDIN_FILENO)) {
			char *base = vs_http_url_normalize(o.url, NULL, NULL, NULL);
			password = prompt_password(user, base ? base : "vCenter");
			free(base);
		}
		if (!password) {
			if (err && err->kind == VM_ERR_NONE)
				vm_err_set(err, VM_ERR_USAGE,
					   "no password: use --password-file FILE, --password-stdin, or set VTRUNK_PASSWORD");
			goto cleanup;
		}
	}
	/* A pin decides alone (vs_http.c): --insecure then turns nothing off. */
	if (o.insecure && o.thumbprint && *o.thumbprint && !ctx->quiet)
		fprintf(stderr, "vtrunk: note: --insecure changes nothing with a pinned thumbprint: the certificate "
				"must match the pin (no CA or host name is checked, as with any pin)\n");
	else if (o.insecure && !ctx->quiet)
		fprintf(stderr, "vtrunk: WARNING: TLS verification is OFF (--insecure): anyone on the path can "
				"read the password and change what vtrunk does. Pin the certificate with "
				"--thumbprint instead (see `vtrunk thumbprint`).\n");
	s = vs_session_open_call(&o, err);
	if (s && vs_http_pinned_get(s->http) && vs_http_peer_cert_get(s->http)->expired && !ctx->quiet)
		fprintf(stderr, "vtrunk: warning: the pinned certificate of %s expired on %s; it is accepted "
				"because its fingerprint matches: renew it, then pin the new one\n",
			vs_http_base_get(s->http), vs_http_peer_cert_get(s->http)->not_after);
	/* The server names itself: through cli_info, which shows its words escaped. */
	if (s && ctx->verbose)
		cli_info(ctx, "vtrunk: %s is %s (%s), speaking API %s\n", vs_http_base_get(s->http),
			 *s->full_name ? s->full_name : "a vSphere server", *s->api_type ? s->api_type : "unknown type",
			 s->api_version);
	if (s && login && vs_session_login_call(s, user, password, err) < 0)
		vs_session_free(&s);
	else if (s && login && ctx->verbose && !ctx->quiet)
		fprintf(stderr, "vtrunk: logged in as %s\n", user);
cleanup:
	if (password) {
		explicit_bzero(password, strlen(password));
		free(password);
	}
	if (url_pass) {
		explicit_bzero(url_pass, strlen(url_pass));
		free(url_pass);
	}
	free(url_user);
	free(pinned);
	return s;
}
