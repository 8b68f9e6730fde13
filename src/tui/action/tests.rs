//! The key table's rules: what each key does where, and that the footer and help agree.
use super::*;

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

const BROWSING: Context = Context {
    typing: false,
    popup: false,
    lab: true,
    scheme_choice: true,
    compare: false,
    matrix: false,
    oracle: false,
    wire: true,
    held: false,
    can_edit: true,
    lesson: false,
    replay: false,
    roster: false,
    retrying: false,
    offline: false,
    exercise: false,
    answering: false,
    wire_hex: false,
};

#[test]
fn q_quits_when_browsing_but_types_when_typing() {
    assert_eq!(
        lookup(&key(KeyCode::Char('q')), &BROWSING),
        Some(Action::Quit)
    );
    let typing = Context {
        typing: true,
        ..BROWSING
    };
    assert_eq!(lookup(&key(KeyCode::Char('q')), &typing), None);
    assert_eq!(
        lookup(
            &KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
            &typing
        ),
        Some(Action::ForceQuit)
    );
    assert_eq!(lookup(&key(KeyCode::Enter), &typing), Some(Action::Send));
}

#[test]
fn f1_opens_help_while_typing_and_the_footer_says_so() {
    let typing = Context {
        typing: true,
        ..BROWSING
    };
    assert_eq!(lookup(&key(KeyCode::F(1)), &typing), Some(Action::Help));
    assert_eq!(lookup(&key(KeyCode::F(1)), &BROWSING), Some(Action::Help));
    let labels: Vec<&str> = hints(&typing).iter().map(|(k, _)| *k).collect();
    assert!(labels.contains(&"F1"), "{labels:?}");
    let typing_help = help_groups(&typing);
    assert!(
        typing_help
            .iter()
            .any(|(heading, rows)| heading.starts_with("While typing")
                && rows.iter().any(|b| b.label == "F1")),
        "{typing_help:?}"
    );
}

#[test]
fn scheme_keys_only_where_a_scheme_can_be_chosen() {
    assert_eq!(
        lookup(&key(KeyCode::Char('3')), &BROWSING),
        Some(Action::PickScheme(Scheme::Fernet))
    );
    let fixed = Context {
        scheme_choice: false,
        ..BROWSING
    };
    assert_eq!(lookup(&key(KeyCode::Char('3')), &fixed), None);
}

#[test]
fn arrows_and_space_step_through_a_lesson_only_while_one_runs() {
    let lesson = Context {
        lesson: true,
        ..BROWSING
    };
    assert_eq!(
        lookup(&key(KeyCode::Right), &lesson),
        Some(Action::NextStep)
    );
    assert_eq!(
        lookup(&key(KeyCode::Char(' ')), &lesson),
        Some(Action::NextStep)
    );
    assert_eq!(lookup(&key(KeyCode::Left), &lesson), Some(Action::PrevStep));
    assert_eq!(lookup(&key(KeyCode::Right), &BROWSING), None);
    let typing = Context {
        typing: true,
        ..lesson
    };
    assert_eq!(
        lookup(&key(KeyCode::Char(' ')), &typing),
        None,
        "a space is typed"
    );
    let labels: Vec<&str> = hints(&lesson).iter().map(|(k, _)| *k).collect();
    assert!(labels.contains(&"→ Space"), "{labels:?}");
}

#[test]
fn o_sorts_the_client_list_and_ctrl_r_stops_or_restarts_a_reconnecting_client() {
    let server = Context {
        roster: true,
        ..BROWSING
    };
    assert_eq!(
        lookup(&key(KeyCode::Char('o')), &server),
        Some(Action::SortClients)
    );
    // Where the man in the middle sits, o is the padding oracle; + and - pace it on the
    // Oracle tab only.
    assert_eq!(
        lookup(&key(KeyCode::Char('o')), &BROWSING),
        Some(Action::Oracle)
    );
    let client = Context {
        wire: false,
        ..BROWSING
    };
    assert_eq!(lookup(&key(KeyCode::Char('o')), &client), None);
    assert_eq!(lookup(&key(KeyCode::Char('-')), &BROWSING), None);
    let oracle = Context {
        lab: false,
        wire: false,
        oracle: true,
        ..BROWSING
    };
    assert_eq!(
        lookup(&key(KeyCode::Char('-')), &oracle),
        Some(Action::Slower)
    );
    assert_eq!(
        lookup(&key(KeyCode::Char('+')), &oracle),
        Some(Action::Faster)
    );
    let ctrl_r = KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL);
    let retrying = Context {
        typing: true,
        retrying: true,
        ..BROWSING
    };
    assert_eq!(lookup(&ctrl_r, &retrying), Some(Action::StopReconnecting));
    let offline = Context {
        typing: true,
        offline: true,
        ..BROWSING
    };
    assert_eq!(lookup(&ctrl_r, &offline), Some(Action::Reconnect));
    assert_eq!(lookup(&ctrl_r, &BROWSING), None);
    let hints = |ctx: &Context| hints(ctx).iter().map(|(_, h)| *h).collect::<Vec<_>>();
    assert!(hints(&server).contains(&"sort clients"));
    assert!(hints(&retrying).contains(&"stop reconnecting"));
    assert!(hints(&offline).contains(&"reconnect"));
}

#[test]
fn enter_seals_while_typing_and_forwards_on_the_wire_otherwise() {
    let typing = Context {
        typing: true,
        ..BROWSING
    };
    assert_eq!(lookup(&key(KeyCode::Enter), &typing), Some(Action::Send));
    assert_eq!(
        lookup(&key(KeyCode::Enter), &BROWSING),
        Some(Action::Forward)
    );
    let held = Context {
        held: true,
        ..BROWSING
    };
    let footer: Vec<&str> = hints(&held).iter().map(|(_, words)| *words).collect();
    assert!(footer.contains(&"forward held"), "{footer:?}");
    let footer: Vec<&str> = hints(&BROWSING).iter().map(|(_, words)| *words).collect();
    assert!(
        !footer.contains(&"forward held"),
        "nothing held: {footer:?}"
    );
}

#[test]
fn the_projector_keys_zoom_hide_and_cycle_the_exchange() {
    assert_eq!(
        lookup(&key(KeyCode::Char('\\')), &BROWSING),
        Some(Action::Zoom)
    );
    assert_eq!(
        lookup(&key(KeyCode::Char('h')), &BROWSING),
        Some(Action::HideKeys)
    );
    assert_eq!(
        lookup(&key(KeyCode::Char('e')), &BROWSING),
        Some(Action::CycleExchange)
    );
    let compare = Context {
        lab: false,
        compare: true,
        scheme_choice: false,
        wire: false,
        ..BROWSING
    };
    assert_eq!(lookup(&key(KeyCode::Char('\\')), &compare), None);
    assert_eq!(lookup(&key(KeyCode::Char('e')), &compare), None);
}

#[test]
fn the_arrows_page_the_matrix_schemes_but_step_a_lesson_first() {
    let matrix = Context {
        lab: false,
        matrix: true,
        scheme_choice: false,
        wire: false,
        ..BROWSING
    };
    assert_eq!(
        lookup(&key(KeyCode::Right), &matrix),
        Some(Action::SchemesRight)
    );
    assert_eq!(
        lookup(&key(KeyCode::Left), &matrix),
        Some(Action::SchemesLeft)
    );
    let lesson = Context {
        lesson: true,
        ..matrix
    };
    assert_eq!(
        lookup(&key(KeyCode::Right), &lesson),
        Some(Action::NextStep)
    );
}

#[test]
fn the_footer_comes_from_the_same_table() {
    let labels: Vec<&str> = hints(&BROWSING).iter().map(|(k, _)| *k).collect();
    assert!(
        labels.contains(&"q") && labels.contains(&"1-7") && labels.contains(&"x"),
        "{labels:?}"
    );
    assert!(!labels.contains(&"s"), "seal again only on the Compare tab");
}

#[test]
fn the_footer_shows_a_key_once_as_what_it_does_here() {
    let hex = Context {
        typing: true,
        exercise: true,
        wire_hex: true,
        ..BROWSING
    };
    assert_eq!(lookup(&key(KeyCode::Enter), &hex), Some(Action::Send));
    let footer: Vec<&str> = hints(&hex).iter().map(|(_, words)| *words).collect();
    assert!(footer.contains(&"send wire bytes"), "{footer:?}");
    assert!(!footer.contains(&"seal and send"), "{footer:?}");
    let answering = Context {
        answering: true,
        exercise: true,
        ..BROWSING
    };
    assert_eq!(
        lookup(&key(KeyCode::Enter), &answering),
        Some(Action::SendAnswer)
    );
    assert_eq!(
        lookup(&key(KeyCode::Char('q')), &answering),
        None,
        "q is text"
    );
    let footer: Vec<&str> = hints(&answering).iter().map(|(_, words)| *words).collect();
    assert!(
        footer.contains(&"send answer") && footer.contains(&"cancel"),
        "{footer:?}"
    );
}

#[test]
fn the_help_lists_the_scheme_keys_once_under_one_label() {
    let labels: Vec<&str> = listed().map(|b| b.label).collect();
    let combined = format!("1-{}", Scheme::ALL.len());
    assert!(labels.contains(&combined.as_str()), "{labels:?}");
    for n in 2..=Scheme::ALL.len() {
        let alone = n.to_string();
        assert!(
            !labels.contains(&alone.as_str()),
            "{alone} is listed again beside {combined}: {labels:?}"
        );
    }
}

#[test]
fn the_keys_1_to_7_pick_the_schemes_in_the_order_of_the_list() {
    for (digit, scheme) in ('1'..='7').zip(Scheme::ALL) {
        assert_eq!(
            lookup(&key(KeyCode::Char(digit)), &BROWSING),
            Some(Action::PickScheme(scheme)),
            "{digit}"
        );
    }
    assert_eq!(lookup(&key(KeyCode::Char('8')), &BROWSING), None);
}
