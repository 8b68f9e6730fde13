//! Deterministic screens: the events a real session produces, with fixed keys, IVs, clock and
//! addresses, fed into a real [`App`]. Snapshot tests, the screenshots in `screenshots/` and
//! the drawing benchmark all start from here, so they show what the program shows. Test
//! scaffolding: built only with the `test-support` feature.

mod class;
mod oracle;
mod script;

pub use class::{class, student};
pub use oracle::{ORACLE_PLAINTEXT, oracle};
pub use script::{NOW, Script, fixed_key};

use super::app::App;
use super::state::{Mode, Tab};
use crate::crypto::{KeyExchange, Scheme, Tamper};
use crate::net::matrix::Cell;

/// The demo after three messages, the third tampered with on the wire.
pub fn demo(scheme: Scheme) -> App {
    let tamper = match scheme {
        Scheme::Cbc | Scheme::Fernet => Tamper::IvFlip { byte: 0, bit: 0 },
        Scheme::Ecb => Tamper::Swap { i: 0, j: 1 },
        Scheme::Hmac | Scheme::PrefixMac => Tamper::Flip { byte: 4, bit: 0 },
        Scheme::Gcm | Scheme::Chacha => Tamper::Flip { byte: 12, bit: 0 },
    };
    Script::new(Mode::Demo, scheme, KeyExchange::default_for(scheme))
        .message("hello, lab", None)
        .message("YELLOW SUBMARINEYELLOW SUBMARINE", None)
        .message("pay bob 10 coinspay eve 99 coins", Some(tamper))
        .finish(Tab::Lab)
}

/// A client that sent two messages and got a reply.
pub fn client(scheme: Scheme) -> App {
    Script::new(Mode::Client, scheme, KeyExchange::default_for(scheme))
        .message("hi, how are you ?", None)
        .reply("i am good")
        .message("see you in class", None)
        .finish(Tab::Lab)
}

/// A server with a small class: ten clients, two of whom have sent nothing yet, and a second
/// `bob` listed as `bob-2`.
pub fn server(scheme: Scheme) -> App {
    Script::new(Mode::Server, scheme, KeyExchange::default_for(scheme))
        .message("hi, how are you ?", None)
        .reply("i am good")
        .another_client("bob", 50_533, "bob was here")
        .another_client("dave", 50_587, "dave says hi")
        .another_client("bob-2", 50_601, "the other bob")
        .another_client("erin", 50_622, "erin is in")
        .silent_client("frank", 50_631)
        .another_client("grace", 50_655, "grace, row 3")
        .another_client("heidi", 50_671, "heidi here")
        .silent_client("ivan", 50_702)
        .another_client("carol", 50_640, "carol checks in")
        .finish(Tab::Lab)
}

/// A man in the middle that read the key and tampered with one message.
pub fn mitm(scheme: Scheme) -> App {
    Script::new(Mode::Mitm, scheme, KeyExchange::default_for(scheme))
        .message("hello, lab", None)
        .message("pay bob 10 coins", Some(Tamper::Truncate))
        .finish(Tab::Lab)
}

/// The demo's Compare tab.
pub fn compare() -> App {
    Script::new(Mode::Demo, Scheme::Fernet, KeyExchange::Send).finish(Tab::Compare)
}

/// The demo's Matrix tab filled with `cells` (from a real `run_all`).
pub fn matrix(cells: Vec<Cell>) -> App {
    let mut app = Script::new(Mode::Demo, Scheme::Fernet, KeyExchange::Send).finish(Tab::Matrix);
    for cell in cells {
        app.on_matrix(cell);
    }
    app
}

/// The demo during lesson `name`, at its step `shown` (from 0), after the ECB messages: what the
/// Narration pane looks like in class.
pub fn lesson(name: &str, shown: usize) -> App {
    let Ok(lesson) = crate::lesson::Lesson::find(name) else {
        return demo(Scheme::Ecb);
    };
    let (scheme, exchange) = lesson.opening();
    let mut app = Script::new(Mode::Demo, scheme, exchange)
        .message("YELLOW SUBMARINEYELLOW SUBMARINE", None)
        .message(
            "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBB",
            Some(Tamper::Swap { i: 0, j: 1 }),
        )
        .finish(Tab::Lab);
    app.stage_lesson(lesson, shown);
    app
}

/// The Picture tab.
pub fn picture() -> App {
    Script::new(Mode::Demo, Scheme::Ecb, KeyExchange::Psk).finish(Tab::Picture)
}

/// One screenshot: a file name, the app state, and the terminal size it is drawn at.
pub struct Shot {
    /// The file name in `screenshots/`, without `.svg`.
    pub name: &'static str,
    /// The state drawn.
    pub app: App,
    /// Columns and rows.
    pub size: (u16, u16),
}

/// Every screenshot the README shows. `cells` come from a real `run_all` (the Matrix tab).
pub fn screenshots(cells: Vec<Cell>) -> Vec<Shot> {
    let mut help = demo(Scheme::Fernet);
    help.apply(super::action::Action::Help);
    // The ECB screenshot shows the second message, whose two equal blocks give themselves away.
    let mut ecb = demo(Scheme::Ecb);
    let second = ecb.timeline().journeys().iter().nth(1).map(|j| j.id);
    if let Some(second) = second {
        ecb.select_journey(second);
    }
    vec![
        Shot {
            name: "demo-fernet",
            app: demo(Scheme::Fernet),
            size: (140, 42),
        },
        Shot {
            name: "demo-cbc-bit-flip",
            app: demo(Scheme::Cbc),
            size: (140, 42),
        },
        Shot {
            name: "demo-ecb-blocks",
            app: ecb,
            size: (140, 42),
        },
        Shot {
            name: "demo-ecb-swap",
            app: demo(Scheme::Ecb),
            size: (140, 42),
        },
        Shot {
            name: "server-hmac",
            app: server(Scheme::Hmac),
            size: (120, 36),
        },
        Shot {
            name: "client-fernet",
            app: client(Scheme::Fernet),
            size: (120, 36),
        },
        Shot {
            name: "mitm-ecb",
            app: mitm(Scheme::Ecb),
            size: (120, 36),
        },
        Shot {
            name: "compare",
            app: compare(),
            size: (140, 40),
        },
        Shot {
            name: "matrix",
            app: matrix(cells),
            size: (140, 24),
        },
        Shot {
            name: "lesson-ecb-patterns",
            app: lesson("ecb-patterns", 3),
            size: (140, 46),
        },
        Shot {
            name: "picture",
            app: picture(),
            size: (140, 30),
        },
        Shot {
            name: "oracle-mid-attack",
            app: oracle(Scheme::Cbc, Some(300), 4),
            size: (140, 36),
        },
        Shot {
            name: "oracle-recovered",
            app: oracle(Scheme::Cbc, None, 0),
            size: (140, 36),
        },
        Shot {
            name: "class-exercise",
            app: class(),
            size: (120, 36),
        },
        Shot {
            name: "student-exercise",
            app: student(),
            size: (80, 24),
        },
        Shot {
            name: "help",
            app: help,
            size: (120, 36),
        },
    ]
}

/// Draws `app` on a test terminal of `width` × `height`, as the snapshot tests see it.
pub fn draw(
    app: &App,
    width: u16,
    height: u16,
) -> ratatui::Terminal<ratatui::backend::TestBackend> {
    let backend = ratatui::backend::TestBackend::new(width, height);
    let mut terminal = match ratatui::Terminal::new(backend) {
        Ok(terminal) => terminal,
        Err(never) => match never {},
    };
    let drawn = terminal.draw(|frame| frame.render_widget(app, frame.area()));
    if let Err(never) = drawn {
        match never {}
    }
    terminal
}

/// Draws `app` at `size` and renders the frame as SVG.
pub fn render_svg(app: &App, size: (u16, u16)) -> String {
    let mut buf = ratatui::buffer::Buffer::empty(ratatui::layout::Rect::new(0, 0, size.0, size.1));
    ratatui::widgets::Widget::render(app, buf.area, &mut buf);
    super::svg::buffer_to_svg(&buf)
}
