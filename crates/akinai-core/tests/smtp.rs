//! The SMTP transport against a minimal SMTP server on loopback: the message arrives with one
//! envelope recipient taken from the message, and header values from the shopper stay encoded
//! inside their header (SWS-8).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lettre::message::Mailbox;
use lettre::Message;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use akinai_core::{Mailer, SmtpMailer};

/// What the sink server received in one session.
#[derive(Debug, Default)]
struct Session {
    mail_from: String,
    rcpt_to: Vec<String>,
    data: String,
}

/// Accepts one SMTP session, answers like a permissive server, and returns what it got.
async fn smtp_sink(listener: TcpListener) -> Session {
    let (socket, _) = listener.accept().await.unwrap();
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    let mut session = Session::default();
    write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
    let mut in_data = false;
    // Bounded: a session has a handful of commands and one short message.
    for _ in 0..1000 {
        let Some(line) = lines.next_line().await.unwrap() else {
            break;
        };
        if in_data {
            if line == "." {
                in_data = false;
                write.write_all(b"250 queued\r\n").await.unwrap();
            } else {
                session.data.push_str(&line);
                session.data.push('\n');
            }
            continue;
        }
        let upper = line.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            b"250 sink\r\n"
        } else if upper.starts_with("MAIL FROM:") {
            session.mail_from = line[10..].to_string();
            b"250 ok\r\n"
        } else if upper.starts_with("RCPT TO:") {
            session.rcpt_to.push(line[8..].to_string());
            b"250 ok\r\n"
        } else if upper == "DATA" {
            in_data = true;
            b"354 go ahead\r\n"
        } else if upper == "QUIT" {
            write.write_all(b"221 bye\r\n").await.unwrap();
            break;
        } else {
            b"250 ok\r\n"
        };
        write.write_all(reply).await.unwrap();
    }
    session
}

#[tokio::test]
async fn mail_is_delivered_over_smtp_to_exactly_the_intended_recipient() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(smtp_sink(listener));
    let mailer = SmtpMailer::from_url(&format!("smtp://127.0.0.1:{port}")).unwrap();
    // A display name with characters that mean something in headers: the typed builder encodes
    // it. (CR/LF never reach here: the domain refuses control characters in names, and
    // `mail::display_name` strips them again.)
    let name = akinai_core::mail::display_name(
        "山田 \"花子\" <x@evil.example>, Bcc: victim@example.com\r\nBcc: v2@example.com",
    );
    let to = Mailbox::new(Some(name), "hanako@example.jp".parse().unwrap());
    let message = Message::builder()
        .from("shop@example.jp".parse::<Mailbox>().unwrap())
        .to(to)
        .subject("ご注文ありがとうございます")
        .message_id(Some("<order-1.confirmation@shop.example.jp>".into()))
        .body("本文です".to_string())
        .unwrap();
    mailer.send(&message).await.unwrap();
    let session = server.await.unwrap();
    assert_eq!(session.mail_from, "<shop@example.jp>");
    assert_eq!(
        session.rcpt_to,
        vec!["<hanako@example.jp>".to_string()],
        "one envelope recipient"
    );
    assert!(session
        .data
        .contains("Message-ID: <order-1.confirmation@shop.example.jp>"));
    assert!(
        !session
            .data
            .lines()
            .any(|l| l.to_ascii_lowercase().starts_with("bcc:")),
        "SWS-8: no injected header:\n{}",
        session.data
    );
}
