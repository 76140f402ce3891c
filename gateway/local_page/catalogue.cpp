// The hub's local page catalogue: one row per text, in fi, sv, ru, en. A new text is one row
// here (keep your rows in one block under a comment naming the feature).
#include "gateway/local_page/catalogue.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <string>

namespace kotona::gateway::local_page {
namespace {

constexpr CatalogueRow kRows[] = {
    // The page frame.
    {"page.title", "Kotona-keskitin", "Kotona-hubb", "Концентратор Kotona", "Kotona hub"},
    {"page.language", "Kieli", "Språk", "Язык", "Language"},
    {"page.notFound", "Sivua ei löydy.", "Sidan hittades inte.", "Страница не найдена.",
     "Page not found."},
    {"page.badRequest", "Pyyntöä ei voitu käsitellä.", "Begäran kunde inte hanteras.",
     "Не удалось обработать запрос.", "The request could not be handled."},
    {"page.back", "Takaisin", "Tillbaka", "Назад", "Back"},
    // BLE pairing window (status page).
    {"pair.hint", "Uusi Bluetooth-mittari? Paina nappia ja tee mittaus kahden minuutin kuluessa.",
     "Ny Bluetooth-mätare? Tryck på knappen och mät inom två minuter.",
     "Новый Bluetooth-прибор? Нажмите кнопку и сделайте измерение в течение двух минут.",
     "A new Bluetooth meter? Press the button and measure within two minutes."},
    {"pair.button", "Yhdistä uusi mittari", "Anslut en ny mätare", "Подключить новый прибор",
     "Connect a new meter"},
    {"pair.open", "Yhdistäminen on auki kaksi minuuttia: tee nyt mittaus uudella mittarilla.",
     "Anslutningen är öppen i två minuter: mät nu med den nya mätaren.",
     "Подключение открыто две минуты: сделайте измерение новым прибором.",
     "Pairing is open for two minutes: measure now with the new meter."},
    // Setup (enrolment of a blank hub, gateway/enrol).
    {"setup.heading", "Keskittimen käyttöönotto", "Ta hubben i bruk", "Подключение концентратора",
     "Setting up the hub"},
    {"setup.enterCode", "Kirjoita hoitajalta saamasi käyttöönottokoodi.",
     "Skriv in aktiveringskoden du fått av sjuksköterskan.",
     "Введите код подключения, полученный от медсестры.",
     "Enter the set-up code the nurse gave you."},
    {"setup.codeLabel", "Käyttöönottokoodi", "Aktiveringskod", "Код подключения", "Set-up code"},
    {"setup.submit", "Ota käyttöön", "Ta i bruk", "Подключить", "Set up"},
    {"setup.usbHint", "Koodin voi antaa myös USB-muistilla (tiedosto kotona-enrol.txt).",
     "Koden kan också ges på ett USB-minne (filen kotona-enrol.txt).",
     "Код можно также передать на USB-накопителе (файл kotona-enrol.txt).",
     "The code can also come on a USB stick (file kotona-enrol.txt)."},
    {"setup.working", "Yhdistetään hoitokeskukseen…", "Ansluter till vårdcentralen…",
     "Подключение к центру…", "Connecting to the care centre…"},
    {"setup.done", "Valmis. Keskitin on otettu käyttöön.", "Klart. Hubben har tagits i bruk.",
     "Готово. Концентратор подключён.", "Done. The hub is set up."},
    {"setup.refused", "Koodi ei kelpaa. Pyydä hoitajalta uusi koodi.",
     "Koden gäller inte. Be sjuksköterskan om en ny kod.",
     "Код недействителен. Попросите у медсестры новый код.",
     "The code is not valid. Ask the nurse for a new code."},
    {"setup.unreachable", "Hoitokeskukseen ei saatu yhteyttä. Yritä hetken kuluttua uudelleen.",
     "Ingen kontakt med vårdcentralen. Försök igen om en stund.",
     "Нет связи с центром. Повторите попытку позже.",
     "Could not reach the care centre. Try again in a moment."},
    {"setup.badCode", "Koodissa on 12 merkkiä, esimerkiksi ABCD-EFGH-JKMN.",
     "Koden har 12 tecken, till exempel ABCD-EFGH-JKMN.",
     "Код состоит из 12 символов, например ABCD-EFGH-JKMN.",
     "The code has 12 characters, for example ABCD-EFGH-JKMN."},
    // Setup: the server asked the hub to wait (429 Retry-After); {wait} is one of the three below.
    {"setup.throttled",
     "Liian monta yritystä. Hoitokeskus pyytää odottamaan {wait}. Yritä sitten uudelleen.",
     "För många försök. Vårdcentralen ber dig vänta {wait}. Försök sedan igen.",
     "Слишком много попыток. Центр просит подождать {wait}. Затем попробуйте снова.",
     "Too many attempts. The care centre asks you to wait {wait}. Then try again."},
    // (A no-break space between a number and its unit: "59 s" never split over two lines.)
    {"setup.waitSec", "{s}\u00a0s", "{s}\u00a0s", "{s}\u00a0с", "{s}\u00a0s"},
    {"setup.waitMin", "{min}\u00a0min", "{min}\u00a0min", "{min}\u00a0мин", "{min}\u00a0min"},
    {"setup.waitMinSec", "{min}\u00a0min {s}\u00a0s", "{min}\u00a0min {s}\u00a0s",
     "{min}\u00a0мин {s}\u00a0с", "{min}\u00a0min {s}\u00a0s"},
    // Status (the patient's view).
    {"status.heading", "Mittausten tila", "Mätningarnas status", "Состояние измерений",
     "Measurement status"},
    {"status.hub", "Keskitin", "Hubb", "Концентратор", "Hub"},
    {"status.notEnrolled", "Keskitintä ei ole vielä otettu käyttöön.",
     "Hubben har inte tagits i bruk ännu.", "Концентратор ещё не подключён.",
     "This hub has not been set up yet."},
    {"status.patient", "Potilas", "Patient", "Пациент", "Patient"},
    {"status.device", "Mittari", "Mätare", "Прибор", "Meter"},
    {"status.lastRead", "Viimeksi luettu", "Senast avläst", "Последнее считывание", "Last read"},
    {"status.notRead", "Ei luettu", "Inte avläst", "Не считан", "Not read"},
    {"status.noDevices", "Mittareita ei ole vielä liitetty.", "Inga mätare är anslutna ännu.",
     "Приборы ещё не подключены.", "No meters connected yet."},
    {"status.allSent", "Kaikki mittaukset ovat perillä hoitokeskuksessa.",
     "Alla mätningar har nått vårdcentralen.", "Все измерения доставлены в центр.",
     "All readings have reached the care centre."},
    {"status.waiting", "Lähettämättä hoitokeskukseen:", "Ännu inte skickade till vårdcentralen:",
     "Ещё не отправлено в центр:", "Not yet at the care centre:"},
    {"status.lastAcked",
     "Viimeksi perillä:", "Senast framme:", "Последняя доставка:", "Last delivered:"},
    // The kind of meter (status page): "meter." + a core kind (core/kinds.h), from its driver.
    {"meter.bp", "Verenpainemittari", "Blodtrycksmätare", "Тонометр", "Blood pressure monitor"},
    {"meter.glucose", "Verensokerimittari", "Blodsockermätare", "Глюкометр", "Blood glucose meter"},
    {"meter.inr", "INR-mittari", "INR-mätare", "Коагулометр (МНО)", "INR meter"},
    {"meter.implant", "Tahdistimen etäseurantalaite", "Hemmonitor för pacemaker/ICD",
     "Домашний монитор кардиостимулятора", "Pacemaker/ICD home monitor"},
    {"meter.weight", "Vaaka", "Våg", "Весы", "Scale"},
    {"meter.spo2", "Happisaturaatiomittari", "Pulsoximeter", "Пульсоксиметр", "Pulse oximeter"},
    {"meter.temperature", "Kuumemittari", "Termometer", "Термометр", "Thermometer"},
    {"meter.heart_rate", "Sykemittari", "Pulsmätare", "Пульсометр", "Heart rate monitor"},
    {"meter.unknown", "Mittari", "Mätare", "Прибор", "Meter"},
    // Manual entry.
    {"manual.heading", "Kirjaa mittaus käsin", "Skriv in en mätning", "Ввести измерение вручную",
     "Enter a measurement by hand"},
    {"manual.intro", "Jos mittari ei saa yhteyttä keskittimeen, kirjoita sen näyttämä tulos tähän.",
     "Om mätaren inte får kontakt med hubben, skriv in resultatet den visar här.",
     "Если прибор не подключается к концентратору, введите здесь показанный им результат.",
     "If the meter cannot connect to the hub, type in the result it shows here."},
    {"manual.kind.bp", "Verenpaine", "Blodtryck", "Артериальное давление", "Blood pressure"},
    {"manual.kind.glucose", "Verensokeri", "Blodsocker", "Глюкоза крови", "Blood glucose"},
    {"manual.kind.inr", "INR", "INR", "МНО (INR)", "INR"},
    {"manual.kind.weight", "Paino", "Vikt", "Вес", "Weight"},
    {"manual.kind.spo2", "Happisaturaatio", "Syremättnad", "Сатурация кислорода",
     "Oxygen saturation"},
    {"manual.kind.temperature", "Ruumiinlämpö", "Kroppstemperatur", "Температура тела",
     "Body temperature"},
    {"manual.value.systolic_mmhg", "Yläpaine (mmHg)", "Övertryck (mmHg)",
     "Верхнее давление (мм рт. ст.)", "Systolic (mmHg)"},
    {"manual.value.diastolic_mmhg", "Alapaine (mmHg)", "Undertryck (mmHg)",
     "Нижнее давление (мм рт. ст.)", "Diastolic (mmHg)"},
    {"manual.value.pulse_per_min", "Pulssi (/min)", "Puls (/min)", "Пульс (уд/мин)",
     "Pulse (/min)"},
    {"manual.value.mmol_per_l", "Verensokeri (mmol/l)", "Blodsocker (mmol/l)", "Глюкоза (ммоль/л)",
     "Glucose (mmol/L)"},
    {"manual.value.ratio", "INR-arvo", "INR-värde", "Значение МНО", "INR value"},
    {"manual.value.kg", "Paino (kg)", "Vikt (kg)", "Вес (кг)", "Weight (kg)"},
    {"manual.value.percent", "Saturaatio (%)", "Mättnad (%)", "Сатурация (%)", "Saturation (%)"},
    {"manual.value.celsius", "Lämpö (°C)", "Temperatur (°C)", "Температура (°C)",
     "Temperature (°C)"},
    {"manual.measured", "Mittausaika", "Mättid", "Время измерения", "Measured at"},
    {"manual.enterer", "Kuka kirjaa", "Vem skriver in", "Кто вводит", "Who is entering"},
    {"manual.enterer.patient", "Potilas itse", "Patienten själv", "Сам пациент", "The patient"},
    {"manual.enterer.relative", "Omainen", "Anhörig", "Родственник", "A relative"},
    {"manual.enterer.nurse", "Hoitaja", "Sjuksköterska", "Медсестра", "A nurse"},
    {"manual.name", "Nimi (omainen tai hoitaja)", "Namn (anhörig eller sjuksköterska)",
     "Имя (родственник или медсестра)", "Name (relative or nurse)"},
    {"manual.send", "Lähetä", "Skicka", "Отправить", "Send"},
    {"manual.sendCorrected", "Lähetä korjattu arvo", "Skicka det rättade värdet",
     "Отправить исправленное значение", "Send the corrected value"},
    {"manual.confirm", "Kyllä, arvo on oikein", "Ja, värdet är rätt", "Да, значение верное",
     "Yes, the value is right"},
    {"manual.stored", "Tallennettu. Tulos lähetetään hoitajalle.",
     "Sparat. Resultatet skickas till sjukskötaren.",
     "Сохранено. Результат будет отправлен медсестре.",
     "Saved. The result will be sent to the nurse."},
    {"manual.ask.usual",
     "{what} {value} on epätavallinen (tavallisesti {low}–{high}). Onko arvo oikein?",
     "{what} {value} är ovanligt (vanligen {low}–{high}). Är värdet rätt?",
     "{what} {value} — необычное значение (обычно {low}–{high}). Значение верное?",
     "{what} {value} is unusual (usually {low}–{high}). Is the value right?"},
    {"manual.ask.recent",
     "{what} {value} poikkeaa paljon viime mittauksista (noin {recent}). Onko arvo oikein?",
     "{what} {value} skiljer sig mycket från de senaste mätningarna (cirka {recent}). Är värdet "
     "rätt?",
     "{what} {value} сильно отличается от последних измерений (около {recent}). Значение верное?",
     "{what} {value} is far from the recent readings (about {recent}). Is the value right?"},
    {"manual.suggest", "Tarkoititko {value}?", "Menade du {value}?", "Вы имели в виду {value}?",
     "Did you mean {value}?"},
    {"manual.refused.range", "{what} {value} ei ole mahdollinen: arvon pitää olla {low}–{high}.",
     "{what} {value} är inte möjligt: värdet ska vara {low}–{high}.",
     "{what} {value} невозможно: значение должно быть {low}–{high}.",
     "{what} {value} is not possible: the value must be {low}–{high}."},
    {"manual.refused.order", "Alapaine ei voi olla yläpainetta suurempi. Tarkista arvot.",
     "Undertrycket kan inte vara högre än övertrycket. Kontrollera värdena.",
     "Нижнее давление не может быть выше верхнего. Проверьте значения.",
     "The diastolic cannot be higher than the systolic. Check the values."},
    {"manual.refused.unknown", "Tätä arvoa ei voi kirjata tälle mittaukselle.",
     "Det här värdet kan inte skrivas in för den här mätningen.",
     "Это значение нельзя ввести для этого измерения.",
     "This value cannot be entered for this measurement."},
    {"manual.refused.missing", "Jokin pakollinen arvo puuttuu.", "Ett obligatoriskt värde saknas.",
     "Не хватает обязательного значения.", "A required value is missing."},
    {"manual.refused.kind", "Tätä mittausta ei voi kirjata käsin.",
     "Den här mätningen kan inte skrivas in för hand.", "Это измерение нельзя ввести вручную.",
     "This measurement cannot be entered by hand."},
    {"manual.refused.future", "Mittausaika on tulevaisuudessa. Tarkista aika.",
     "Mättiden ligger i framtiden. Kontrollera tiden.",
     "Время измерения в будущем. Проверьте время.",
     "The measurement time is in the future. Check the time."},
    {"manual.refused.old", "Mittaus on yli kuukauden vanha, eikä sitä voi kirjata.",
     "Mätningen är över en månad gammal och kan inte skrivas in.",
     "Измерению больше месяца, его нельзя ввести.",
     "The measurement is over a month old and cannot be entered."},
    {"manual.refused.time", "Mittausaikaa ei voitu lukea.", "Mättiden kunde inte läsas.",
     "Не удалось прочитать время измерения.", "The measurement time could not be read."},
    {"manual.refused.name", "Nimi on liian pitkä tai siinä on kiellettyjä merkkejä.",
     "Namnet är för långt eller har otillåtna tecken.",
     "Имя слишком длинное или содержит недопустимые символы.",
     "The name is too long or has characters that are not allowed."},
    {"manual.refused.form", "Lomaketta ei voitu käsitellä. Aloita alusta.",
     "Formuläret kunde inte hanteras. Börja om.", "Не удалось обработать форму. Начните заново.",
     "The form could not be handled. Start again."},
    {"manual.refused.store", "Tallennus ei onnistunut. Yritä hetken päästä uudelleen.",
     "Det gick inte att spara. Försök igen om en stund.",
     "Не удалось сохранить. Попробуйте ещё раз через минуту.",
     "Saving failed. Try again in a moment."},
    {"manual.notNumber", "{what}: kirjoita luku, esimerkiksi 2,5.",
     "{what}: skriv ett tal, till exempel 2,5.", "{what}: введите число, например 2,5.",
     "{what}: type a number, for example 2.5."},
};

constexpr std::array<std::string_view, 4> kCodes = {"fi", "sv", "ru", "en"};

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<Lang> lang_of(std::string_view code) {
  for (std::size_t i = 0; i < kCodes.size(); ++i) {
    if (code == kCodes[i]) return kLangs[i];
  }
  return std::nullopt;
}

}  // namespace

std::string_view lang_code(Lang lang) { return kCodes[static_cast<std::size_t>(lang)]; }

Lang choose_lang(std::string_view query_lang, std::string_view accept_language) {
  if (auto l = lang_of(lower(query_lang))) return *l;
  // "sv-FI,sv;q=0.9,en;q=0.8": the first range whose primary tag we have (q ignored: browsers
  // list in preference order).
  const std::string accept = lower(accept_language);
  std::size_t pos = 0;
  while (pos < accept.size()) {
    std::size_t end = accept.find(',', pos);
    if (end == std::string::npos) end = accept.size();
    std::string_view range(accept.data() + pos, end - pos);
    while (!range.empty() && range.front() == ' ') range.remove_prefix(1);
    const auto tag = range.substr(0, std::min({range.find('-'), range.find(';'), range.size()}));
    if (auto l = lang_of(tag)) return *l;
    pos = end + 1;
  }
  return Lang::kFi;
}

std::span<const CatalogueRow> catalogue_rows() { return kRows; }

std::string_view tr(Lang lang, std::string_view key) {
  for (const auto& row : kRows) {
    if (row.key != key) continue;
    switch (lang) {
      case Lang::kFi:
        return row.fi;
      case Lang::kSv:
        return row.sv;
      case Lang::kRu:
        return row.ru;
      case Lang::kEn:
        return row.en;
    }
  }
  return "\u27e6missing key\u27e7";
}

}  // namespace kotona::gateway::local_page
