#!/usr/bin/env bash
# Real mail servers on loopback for kefu's e-mail tests and `kefu bench mail`
# (CONTRIBUTING.md "Mail servers"): Debian's Dovecot (IMAP with STARTTLS, IMAPS, LMTP)
# and Postfix (SMTP, submission with STARTTLS + SASL, SMTPS), 127.0.0.1 only.
#
# Idempotent: installs what is missing, rewrites its own configuration, (re)starts both.
# Any address in the test domains is a mailbox (created on first delivery or login), with
# the one password below, so each test uses addresses of its own. Postfix hands mail for
# the test domains to Dovecot over LMTP, so what kefu sends lands in a mailbox kefu or a
# test can read. Prints the KEFU_MAIL_TEST_* variables the tests read (also written to
# /etc/kefu-mail/env); the tests' defaults are the same values.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

CONF=/etc/kefu-mail
SPOOL=/var/lib/kefu-mail
PASSWORD=kefu-mail-test
DOMAINS="shop.test buyer.test marketplace.amazon.com marketplace.amazon.co.uk marketplace.amazon.de"
IMAP_PORT=10143
IMAPS_PORT=10993
LMTP_PORT=10024
SMTP_PORT=10025
SUBMISSION_PORT=10587
SMTPS_PORT=10465

if ! command -v dovecot >/dev/null 2>&1 || ! command -v postfix >/dev/null 2>&1 \
   || ! [ -x /usr/lib/dovecot/lmtp ] || ! command -v openssl >/dev/null 2>&1; then
  echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
  echo "postfix postfix/mailname string kefu.test" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postfix dovecot-core dovecot-imapd \
    dovecot-lmtpd openssl ca-certificates >/dev/null
fi

mkdir -p "$CONF" "$SPOOL"
id vmail >/dev/null 2>&1 || useradd --system --home-dir "$SPOOL" --shell /usr/sbin/nologin vmail
chown vmail:vmail "$SPOOL"

# A certificate for 127.0.0.1 and localhost; the tests trust it (KEFU_MAIL_TEST_CA).
if ! [ -s "$CONF/cert.pem" ] || ! openssl x509 -checkend 86400 -noout -in "$CONF/cert.pem" >/dev/null; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$CONF/key.pem" -out "$CONF/cert.pem" >/dev/null 2>&1
  chmod 600 "$CONF/key.pem"
fi

cat >"$CONF/dovecot.conf" <<EOF
# kefu's test Dovecot (.ci/mail-servers.sh); not the system's /etc/dovecot.
base_dir = /run/kefu-dovecot
instance_name = kefu-dovecot
protocols = imap lmtp
listen = 127.0.0.1
log_path = /var/log/kefu-dovecot.log
ssl = yes
ssl_cert = <$CONF/cert.pem
ssl_key = <$CONF/key.pem
ssl_min_protocol = TLSv1.2
auth_mechanisms = plain login
auth_username_format = %Lu
disable_plaintext_auth = no
mail_location = maildir:~/Maildir
mail_uid = vmail
mail_gid = vmail
first_valid_uid = 1
mail_max_userip_connections = 200
imap_idle_notify_interval = 1 mins
passdb {
  driver = static
  args = password=$PASSWORD
}
userdb {
  driver = static
  args = uid=vmail gid=vmail home=$SPOOL/%d/%n allow_all_users=yes
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $IMAPS_PORT
    ssl = yes
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $LMTP_PORT
  }
}
service auth {
  unix_listener /var/spool/postfix/private/kefu-auth {
    mode = 0660
    user = postfix
    group = postfix
  }
}
namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
}
EOF

# Postfix: loopback only, the test domains go to Dovecot over LMTP, nothing leaves.
postconf -e \
  "inet_interfaces = loopback-only" \
  "inet_protocols = ipv4" \
  "mydestination = localhost" \
  "myhostname = kefu.test" \
  "mynetworks = 127.0.0.0/8" \
  "relayhost =" \
  "default_transport = error:kefu test server delivers to its own domains only" \
  "virtual_mailbox_domains = $DOMAINS" \
  "virtual_transport = lmtp:inet:127.0.0.1:$LMTP_PORT" \
  "smtpd_reject_unlisted_recipient = no" \
  "smtpd_recipient_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination" \
  "smtpd_tls_cert_file = $CONF/cert.pem" \
  "smtpd_tls_key_file = $CONF/key.pem" \
  "smtpd_tls_security_level = may" \
  "smtpd_sasl_type = dovecot" \
  "smtpd_sasl_path = private/kefu-auth" \
  "message_size_limit = 52428800" \
  "maillog_file = /var/log/postfix.log" \
  "compatibility_level = 3.6"
# The listeners: plain SMTP, submission (STARTTLS + SASL required) and SMTPS.
postconf -M# smtp/inet submission/inet smtps/inet 2>/dev/null || true
for name in "127.0.0.1:$SMTP_PORT" "127.0.0.1:$SUBMISSION_PORT" "127.0.0.1:$SMTPS_PORT"; do
  postconf -MX "$name/inet" 2>/dev/null || true
done
postconf -M "127.0.0.1:$SMTP_PORT/inet=127.0.0.1:$SMTP_PORT inet n - y - - smtpd"
postconf -M "127.0.0.1:$SUBMISSION_PORT/inet=127.0.0.1:$SUBMISSION_PORT inet n - y - - smtpd"
postconf -P "127.0.0.1:$SUBMISSION_PORT/inet/syslog_name=postfix/submission" \
  "127.0.0.1:$SUBMISSION_PORT/inet/smtpd_tls_security_level=encrypt" \
  "127.0.0.1:$SUBMISSION_PORT/inet/smtpd_sasl_auth_enable=yes" \
  "127.0.0.1:$SUBMISSION_PORT/inet/smtpd_client_restrictions=permit_sasl_authenticated,reject"
postconf -M "127.0.0.1:$SMTPS_PORT/inet=127.0.0.1:$SMTPS_PORT inet n - y - - smtpd"
postconf -P "127.0.0.1:$SMTPS_PORT/inet/syslog_name=postfix/smtps" \
  "127.0.0.1:$SMTPS_PORT/inet/smtpd_tls_wrappermode=yes" \
  "127.0.0.1:$SMTPS_PORT/inet/smtpd_sasl_auth_enable=yes" \
  "127.0.0.1:$SMTPS_PORT/inet/smtpd_client_restrictions=permit_sasl_authenticated,reject"
# Postfix's chroot needs name resolution files; newaliases keeps it quiet about aliases.
newaliases 2>/dev/null || true
mkdir -p /var/spool/postfix/private

# (Re)start: stop ours if running, then start both (no systemd here).
if [ -f /run/kefu-dovecot/master.pid ] && kill -0 "$(cat /run/kefu-dovecot/master.pid)" 2>/dev/null; then
  doveadm -c "$CONF/dovecot.conf" stop </dev/null >/dev/null 2>&1 || kill "$(cat /run/kefu-dovecot/master.pid)" || true
  for _ in $(seq 50); do [ -f /run/kefu-dovecot/master.pid ] || break; sleep 0.1; done
fi
# Daemons must not hold the caller's stdout open (a pipe would never end).
dovecot -c "$CONF/dovecot.conf" </dev/null >/dev/null 2>&1
if postfix status >/dev/null 2>&1; then postfix reload </dev/null >/dev/null 2>&1; else postfix start </dev/null >/dev/null 2>&1; fi

# Wait until every listener answers.
for port in $IMAP_PORT $IMAPS_PORT $LMTP_PORT $SMTP_PORT $SUBMISSION_PORT $SMTPS_PORT; do
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    sleep 0.1
  done
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "mail-servers: nothing on port $port" >&2; exit 1; }
done

cat >"$CONF/env" <<EOF
export KEFU_MAIL_TEST_HOST=127.0.0.1
export KEFU_MAIL_TEST_IMAP_PORT=$IMAP_PORT
export KEFU_MAIL_TEST_IMAPS_PORT=$IMAPS_PORT
export KEFU_MAIL_TEST_SMTP_PORT=$SMTP_PORT
export KEFU_MAIL_TEST_SUBMISSION_PORT=$SUBMISSION_PORT
export KEFU_MAIL_TEST_SMTPS_PORT=$SMTPS_PORT
export KEFU_MAIL_TEST_PASSWORD=$PASSWORD
export KEFU_MAIL_TEST_CA=$CONF/cert.pem
EOF
cat "$CONF/env"
