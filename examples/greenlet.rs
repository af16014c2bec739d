//! greenlet's example, with two tasks that switch control back and forth:
//!
//! ```text
//! def test1(): print(12); gr2.switch(); print(34); gr2.switch()
//! def test2(): print(56); gr1.switch(); print(78)
//! ```
//!
//! It prints 12, 56, 34, 78. Run it with `cargo run --example greenlet`.

use grove::switch;

fn main() {
    grove::run(async {
        // `gr2` is test1's way to test2, `gr1` is test2's way back to test1.
        let (gr2, gr1) = switch::pair::<()>();
        let test1 = grove::spawn(async move {
            println!("12");
            gr2.switch(()).await.ok();
            println!("34");
            // test2 ends instead of switching back; as in greenlet, this
            // switch does not come back to test1.
            gr2.switch(()).await.ok();
        });
        let test2 = grove::spawn(async move {
            gr1.recv().await.ok(); // wait to be switched into
            println!("56");
            gr1.switch(()).await.ok();
            println!("78");
        });
        grove::joinall([test1, test2]).await;
    });
}
